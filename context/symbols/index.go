package symbols

import (
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// Index is the workspace's definitions by name, by folder and by container.
// Files are replaced whole; a File and its Defs are never changed once
// added, so readers may keep using what they got after the lock is released.
type Index struct {
	mu          sync.RWMutex
	files       map[string]*File
	byName      map[string][]*Def
	byDir       map[string][]*File
	byContainer map[string][]*Def
	modules     map[string]string // Go module path -> its folder
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{
		files:       map[string]*File{},
		byName:      map[string][]*Def{},
		byDir:       map[string][]*File{},
		byContainer: map[string][]*Def{},
		modules:     map[string]string{},
	}
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
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(f.Path)
	x.files[f.Path] = f
	x.byDir[f.Dir] = append(x.byDir[f.Dir], f)
	for i := range f.Defs {
		d := &f.Defs[i]
		x.byName[d.Name] = append(x.byName[d.Name], d)
		if d.Container != "" {
			x.byContainer[d.Container] = append(x.byContainer[d.Container], d)
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
	x.byDir[old.Dir] = without(x.byDir[old.Dir], old)
	if len(x.byDir[old.Dir]) == 0 {
		delete(x.byDir, old.Dir)
	}
	for i := range old.Defs {
		d := &old.Defs[i]
		x.byName[d.Name] = withoutFile(x.byName[d.Name], old)
		if len(x.byName[d.Name]) == 0 {
			delete(x.byName, d.Name)
		}
		if d.Container != "" {
			x.byContainer[d.Container] = withoutFile(x.byContainer[d.Container], old)
			if len(x.byContainer[d.Container]) == 0 {
				delete(x.byContainer, d.Container)
			}
		}
	}
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

func withoutFile(s []*Def, f *File) []*Def {
	n := 0
	for _, d := range s {
		if d.File != f {
			n++
		}
	}
	if n == len(s) {
		return s
	}
	out := make([]*Def, 0, n)
	for _, d := range s {
		if d.File != f {
			out = append(out, d)
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
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.byName[name]
}

// Members returns the members of types or classes called container.
func (x *Index) Members(container string) []*Def {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.byContainer[container]
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
	case "rust", "java", "csharp", "php":
		p = strings.NewReplacer("::", "/", ".", "/", "\\", "/").Replace(p)
		p = strings.TrimPrefix(strings.TrimPrefix(p, "crate/"), "self/")
	}
	if lang == "go" {
		for mod, dir := range x.modules {
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
