package symbols

import (
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Index is the workspace's definitions by name, by folder and by container.
// Files are replaced whole; a File and its Defs are never changed once
// added (but for the atomic gone mark), so readers may keep using what they
// got after the lock is released.
type Index struct {
	mu          sync.RWMutex
	files       map[string]*File
	byName      defMap[string]
	byDir       map[string][]*File
	dirs        map[string]*dirIndex // folder -> its definitions by name, built on first use
	modules     map[string]string    // Go module path -> its folder
	types       defMap[string]       // name -> type, class and interface definitions
	ifaceMethod defMap[string]       // method name -> interface methods of that name
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{
		files:       map[string]*File{},
		byName:      defMap[string]{},
		byDir:       map[string][]*File{},
		dirs:        map[string]*dirIndex{},
		modules:     map[string]string{},
		types:       defMap[string]{},
		ifaceMethod: defMap[string]{},
	}
}

// defList is the definitions under one key. Replacing or removing a file
// only marks its File gone and the lists that hold it stale: copying a
// common name's list (String, Step: thousands of entries) on every save is
// what made a save cost milliseconds. A stale list is compacted when next
// read, or after maxStale drops without a read.
type defList struct {
	defs  []*Def
	stale int // drops since the last compaction
}

const maxStale = 32

type defMap[K comparable] map[K]defList

// add appends d under k. Appending past a reader's length is safe.
func (m defMap[K]) add(k K, d *Def) {
	l := m[k]
	l.defs = append(l.defs, d)
	m[k] = l
}

// drop notes that a file under k is gone.
func (m defMap[K]) drop(k K) {
	l, ok := m[k]
	if !ok {
		return
	}
	l.stale++
	if l.stale >= maxStale {
		m.compact(k)
		return
	}
	m[k] = l
}

// compact drops the entries of gone files under k and returns what is left.
// It copies, in runs between gone entries (a bulk copy, not a write barrier
// per element), as readers may hold the old slice.
func (m defMap[K]) compact(k K) []*Def {
	l, ok := m[k]
	if !ok || l.stale == 0 {
		return l.defs
	}
	n := 0
	for _, d := range l.defs {
		if d.File.gone.Load() {
			n++
		}
	}
	switch n {
	case len(l.defs):
		delete(m, k)
		return nil
	case 0:
		m[k] = defList{defs: l.defs}
		return l.defs
	}
	defs := make([]*Def, 0, len(l.defs)-n+8)
	run := 0
	for i, d := range l.defs {
		if d.File.gone.Load() {
			defs = append(defs, l.defs[run:i]...)
			run = i + 1
		}
	}
	defs = append(defs, l.defs[run:]...)
	m[k] = defList{defs: defs}
	return defs
}

// lookup returns the definitions under k, compacting a stale list first.
// Callers may keep the slice: the index never writes to an element a
// reader can see.
func lookup[K comparable](x *Index, m *defMap[K], k K) []*Def {
	x.mu.RLock()
	l := (*m)[k]
	x.mu.RUnlock()
	if l.stale == 0 {
		return l.defs
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return m.compact(k)
}

// SetModule records that the Go module path lives in dir (from its go.mod),
// so that imports of its packages resolve to folders exactly.
func (x *Index) SetModule(path, dir string) {
	x.mu.Lock()
	x.modules[path] = dir
	x.mu.Unlock()
}

// Update adds f, replacing any earlier version of its path.
func (x *Index) Update(f *File) {
	sortFile(f)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(f.Path)
	x.files[f.Path] = f
	x.byDir[f.Dir] = append(x.byDir[f.Dir], f)
	if di := x.dirs[f.Dir]; di != nil {
		x.dirs[f.Dir] = di.with(f)
	}
	for i := range f.Defs {
		d := &f.Defs[i]
		x.byName.add(d.Name(), d)
		if d.Kind.isType() {
			x.types.add(d.Name(), d)
		}
		if d.InInterface {
			x.ifaceMethod.add(d.Name(), d)
		}
	}
}

// Remove drops a file.
func (x *Index) Remove(path string) {
	x.mu.Lock()
	x.removeLocked(path)
	x.mu.Unlock()
}

func (x *Index) removeLocked(path string) {
	old := x.files[path]
	if old == nil {
		return
	}
	delete(x.files, path)
	if di := x.dirs[old.Dir]; di != nil {
		x.dirs[old.Dir] = di.without(old)
	}
	x.byDir[old.Dir] = without(x.byDir[old.Dir], old)
	if len(x.byDir[old.Dir]) == 0 {
		delete(x.byDir, old.Dir)
		delete(x.dirs, old.Dir)
	}
	old.gone.Store(true)
	for i := range old.Defs {
		d := &old.Defs[i]
		x.byName.drop(d.Name())
		if d.Kind.isType() {
			x.types.drop(d.Name())
		}
		if d.InInterface {
			x.ifaceMethod.drop(d.Name())
		}
	}
}

// NamedIn returns the definitions of a name in one folder.
func (x *Index) NamedIn(dir, name string) []*Def {
	di := x.dirIndex(dir)
	if di == nil {
		return nil
	}
	i, _ := slices.BinarySearchFunc(di.byName, name, func(d *Def, name string) int { return strings.Compare(d.Name(), name) })
	j := i
	for j < len(di.byName) && di.byName[j].Name() == name {
		j++
	}
	return di.byName[i:j:j]
}

// dirIndex is a folder's definitions sorted by name and its members by
// container: one search per folder, where a request asks for members and
// names in the same folders hundreds of times. It is built on first use
// and dropped when a file of the folder changes. Only folders a request
// looked into have one.
type dirIndex struct {
	byName   []*Def // by name, then file and source order
	byMember []*Def // definitions with a container, by it
}

// without is di less the definitions of f, in a new dirIndex: readers may
// hold the old one.
func (di *dirIndex) without(f *File) *dirIndex {
	keep := func(d *Def) bool { return d.File != f }
	return &dirIndex{
		byName:   slices.Collect(filterDefs(di.byName, keep)),
		byMember: slices.Collect(filterDefs(di.byMember, keep)),
	}
}

// with is di plus the definitions of f, the folder's newest file, merged
// in order: after a save, one merge instead of sorting the whole folder on
// the next request. f's definitions come after the others of the same
// key, as f comes last in the folder's files.
func (di *dirIndex) with(f *File) *dirIndex {
	return &dirIndex{
		byName:   mergeDefs(di.byName, f, f.byName, (*Def).Name),
		byMember: mergeDefs(di.byMember, f, f.byMember, (*Def).Container),
	}
}

func filterDefs(s []*Def, keep func(*Def) bool) func(func(*Def) bool) {
	return func(yield func(*Def) bool) {
		for _, d := range s {
			if keep(d) && !yield(d) {
				return
			}
		}
	}
}

// mergeDefs merges a sorted list with f's definitions in order (indexes
// into f.Defs, sorted by the same key), the list first among equals.
func mergeDefs(a []*Def, f *File, order []int32, key func(*Def) string) []*Def {
	out := make([]*Def, 0, len(a)+len(order))
	i, j := 0, 0
	for i < len(a) && j < len(order) {
		b := &f.Defs[order[j]]
		if strings.Compare(key(b), key(a[i])) < 0 {
			out = append(out, b)
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	out = append(out, a[i:]...)
	for ; j < len(order); j++ {
		out = append(out, &f.Defs[order[j]])
	}
	return out
}

func (x *Index) dirIndex(dir string) *dirIndex {
	x.mu.RLock()
	di, files := x.dirs[dir], x.byDir[dir]
	x.mu.RUnlock()
	if di != nil || len(files) == 0 {
		return di
	}
	di = &dirIndex{}
	for _, f := range files {
		for _, i := range f.byName {
			di.byName = append(di.byName, &f.Defs[i])
		}
		for _, i := range f.byMember {
			di.byMember = append(di.byMember, &f.Defs[i])
		}
	}
	// Each file's part is sorted already; a stable sort keeps file order
	// among equal keys.
	slices.SortStableFunc(di.byName, func(a, b *Def) int { return strings.Compare(a.Name(), b.Name()) })
	slices.SortStableFunc(di.byMember, func(a, b *Def) int { return strings.Compare(a.Container(), b.Container()) })
	x.mu.Lock()
	// Kept only if the folder did not change meanwhile: a change makes a
	// new slice of its files (or a longer one).
	if cur := x.byDir[dir]; len(cur) == len(files) && &cur[0] == &files[0] {
		x.dirs[dir] = di
	}
	x.mu.Unlock()
	return di
}

// sortFile orders f's definitions by name and by container for NamedIn
// and Members. A search of each file of a folder costs a request little,
// and keeps two maps with an entry per definition out of the heap: they
// were a third of it.
func sortFile(f *File) {
	if f.byName != nil || len(f.Defs) == 0 {
		return
	}
	f.byName = make([]int32, len(f.Defs))
	n := 0
	for i := range f.Defs {
		f.byName[i] = int32(i)
		if f.Defs[i].Container() != "" {
			n++
		}
	}
	slices.SortStableFunc(f.byName, func(a, b int32) int { return strings.Compare(f.Defs[a].Name(), f.Defs[b].Name()) })
	f.byMember = make([]int32, 0, n)
	for i := range f.Defs {
		if f.Defs[i].Container() != "" {
			f.byMember = append(f.byMember, int32(i))
		}
	}
	slices.SortStableFunc(f.byMember, func(a, b int32) int { return strings.Compare(f.Defs[a].Container(), f.Defs[b].Container()) })
}

// Types returns the type, class and interface definitions of a name.
func (x *Index) Types(name string) []*Def {
	return lookup(x, &x.types, name)
}

// InterfaceMethods returns the interface methods called name.
func (x *Index) InterfaceMethods(name string) []*Def {
	return lookup(x, &x.ifaceMethod, name)
}

// without returns s without f. It copies: readers may hold the old slice.
func without(s []*File, f *File) []*File {
	out := make([]*File, 0, len(s))
	for _, g := range s {
		if g != f {
			out = append(out, g)
		}
	}
	return out
}

// File returns the indexed version of a path, or nil.
func (x *Index) File(path string) *File {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.files[path]
}

// Paths lists the indexed files.
func (x *Index) Paths() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, len(x.files))
	for p := range x.files {
		out = append(out, p)
	}
	return out
}

// Len is the number of indexed files.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.files)
}

// Named returns the definitions of a name.
func (x *Index) Named(name string) []*Def {
	return lookup(x, &x.byName, name)
}

// Members returns the members of the types or classes called container
// defined in a folder.
func (x *Index) Members(dir, container string) []*Def {
	var out []*Def
	x.eachMember(dir, container, func(d *Def) { out = append(out, d) })
	return out
}

// eachMember calls fn with each member of the types or classes called
// container defined in a folder.
func (x *Index) eachMember(dir, container string, fn func(*Def)) {
	di := x.dirIndex(dir)
	if di == nil {
		return
	}
	i, _ := slices.BinarySearchFunc(di.byMember, container, func(d *Def, c string) int { return strings.Compare(d.Container(), c) })
	for ; i < len(di.byMember) && di.byMember[i].Container() == container; i++ {
		fn(di.byMember[i])
	}
}

// Dir returns the files of a folder.
func (x *Index) Dir(dir string) []*File {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.byDir[dir]
}

// ResolveImport finds the folders or files an import of the file at from
// refers to: a relative path is joined to from's folder; any other path
// (a Go import path, a dotted Python module) matches the indexed folder or
// file whose path ends with the longest tail of it. That needs no go.mod,
// package.json or sys.path, and is right for code inside the workspace,
// which is all the index holds.
func (x *Index) ResolveImport(from *File, imp Import) (dirs []string, files []*File) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	p := imp.Path
	lang := ""
	if from != nil {
		lang = from.LanguageID
	}
	switch lang {
	case "python":
		dots := len(p) - len(strings.TrimLeft(p, "."))
		rest := strings.ReplaceAll(p[dots:], ".", "/")
		if dots > 0 {
			base := from.Dir
			for i := 1; i < dots; i++ {
				base = filepath.Dir(base)
			}
			return x.existing(filepath.Join(base, filepath.FromSlash(rest)))
		}
		p = rest
	case "javascript", "typescript", "typescriptreact":
		if strings.HasPrefix(p, ".") {
			return x.existing(filepath.Join(from.Dir, filepath.FromSlash(p)))
		}
	case "c", "cpp":
		if from != nil {
			if d, f := x.existing(filepath.Join(from.Dir, filepath.FromSlash(p))); len(d)+len(f) > 0 {
				return d, f
			}
		}
	case "rust", "java", "csharp", "php", "lua":
		p = strings.NewReplacer("::", "/", ".", "/", "\\", "/").Replace(p)
		p = strings.TrimPrefix(strings.TrimPrefix(p, "crate/"), "self/")
	}
	if lang == "go" {
		for mod, dir := range x.modules {
			if mod == "std" {
				// The standard library's own module (GOROOT/src, opened as
				// a workspace): its import paths have no module prefix.
				if d := filepath.Join(dir, filepath.FromSlash(p)); x.byDir[d] != nil {
					return []string{d}, nil
				}
				continue
			}
			if p == mod || strings.HasPrefix(p, mod+"/") {
				d := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, mod)))
				if _, ok := x.byDir[d]; ok {
					return []string{d}, nil
				}
			}
		}
		if first, _, _ := strings.Cut(p, "/"); !strings.Contains(first, ".") {
			return nil, nil // the standard library
		}
	}
	// The longest tail of p that names an indexed folder or file.
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for i := 0; i < len(parts); i++ {
		tail := filepath.FromSlash(path.Join(parts[i:]...))
		for dir := range x.byDir {
			if strings.HasSuffix(dir, string(filepath.Separator)+tail) || dir == tail {
				dirs = append(dirs, dir)
			}
		}
		if len(dirs) == 0 {
			for pth, f := range x.files {
				if trimExt(pth) == tail || strings.HasSuffix(trimExt(pth), string(filepath.Separator)+tail) {
					files = append(files, f)
				}
			}
		}
		if len(dirs)+len(files) > 0 {
			return dirs, files
		}
		if lang != "go" {
			break // only Go import paths carry a host and module prefix to skip
		}
	}
	return nil, nil
}

// existing resolves a joined relative import: the file with any extension,
// or the folder.
func (x *Index) existing(p string) (dirs []string, files []*File) {
	if _, ok := x.byDir[p]; ok {
		dirs = append(dirs, p)
	}
	base := trimExt(p)
	for _, f := range x.byDir[filepath.Dir(p)] {
		if trimExt(f.Path) == base || trimExt(f.Path) == p {
			files = append(files, f)
		}
	}
	return dirs, files
}

func trimExt(p string) string { return strings.TrimSuffix(p, filepath.Ext(p)) }

// WarmCosts computes the token costs of the definitions a request at path
// is likely to rank: those of its folder and of the folders and files it
// imports. Costs are memoised on first use, which makes the first requests
// in a package several times slower than the rest; this is meant to run in
// the background after the first.
func (x *Index) WarmCosts(path string) {
	dirs := []string{filepath.Dir(path)}
	var files []*File
	if self := x.File(path); self != nil {
		for _, imp := range self.Imports {
			d, f := x.ResolveImport(self, imp)
			dirs = append(dirs, d...)
			files = append(files, f...)
		}
	}
	for _, d := range dirs {
		files = append(files, x.Dir(d)...)
	}
	for _, f := range files {
		for i := range f.Defs {
			f.Defs[i].Cost()
		}
	}
}
