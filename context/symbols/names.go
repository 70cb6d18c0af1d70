package symbols

import (
	"strings"
	"unicode"

	"github.com/inkling-ls/inkling/treesitter"
)

// near is what the lines around the cursor say.
type near struct {
	weight     map[string]float64 // identifier -> how close to the cursor it is used
	member     map[string]bool    // used only after a '.': a method or field
	qualifiers map[string]float64 // used before a '.': a package or a value
	qualOf     map[string]nameSet // member -> the identifiers it follows ("pkg" in pkg.Name)
	qualifier  string             // the qualifier of the '.' being typed, if any
	partial    string             // what is typed after it
}

// nearNames reads the identifiers in the lines around the cursor, weighted
// by closeness: the typing line most, lines above more than lines below.
func nearNames(text string, offset, cursorLine int) near {
	n := near{weight: map[string]float64{}, member: map[string]bool{}, qualifiers: map[string]float64{}, qualOf: map[string]nameSet{}}
	start := offset
	for i := 0; i <= linesBefore && start > 0; {
		start--
		if text[start] == '\n' {
			i++
		}
	}
	if start > 0 {
		start++
	}
	end := offset
	for i := 0; i <= linesAfter && end < len(text); end++ {
		if text[end] == '\n' {
			i++
		}
	}
	line := cursorLine - strings.Count(text[start:offset], "\n")
	notMember := map[string]bool{}
	for _, ln := range strings.SplitAfter(text[start:end], "\n") {
		d := line - cursorLine
		var w float64
		switch {
		case d == 0:
			w = 1.2
		case d < 0:
			w = 1 / (1 + float64(-d)/6)
		default:
			w = 0.6 / (1 + float64(d)/3)
		}
		eachIdent(ln, func(id string, at int) {
			if len(id) < 2 {
				return
			}
			if w > n.weight[id] {
				n.weight[id] = w
			}
			if at > 0 && ln[at-1] == '.' {
				n.member[id] = true
				q := at - 1
				for q > 0 && isIdentByte(ln[q-1]) {
					q--
				}
				if q < at-1 {
					if n.qualOf[id] == nil {
						n.qualOf[id] = nameSet{}
					}
					n.qualOf[id][ln[q:at-1]] = true
				}
			} else {
				notMember[id] = true
			}
			if e := at + len(id); e < len(ln) && ln[e] == '.' && w > n.qualifiers[id] {
				n.qualifiers[id] = w
			}
		})
		line++
	}
	for id := range notMember {
		delete(n.member, id)
	}
	// The '.' being typed: "qual.part|".
	ls := strings.LastIndexByte(text[:offset], '\n') + 1
	cur := text[ls:offset]
	p := len(cur)
	for p > 0 && isIdentByte(cur[p-1]) {
		p--
	}
	if p > 0 && cur[p-1] == '.' {
		q := p - 1
		for q > 0 && isIdentByte(cur[q-1]) {
			q--
		}
		n.qualifier, n.partial = cur[q:p-1], cur[p:]
	}
	return n
}

// enclosingFunc is the function around the cursor.
type enclosingFunc struct {
	sig  string // its signature: parameters, results, receiver
	self string // its receiver type or class
}

var funcNodes = map[string]bool{
	"function_declaration": true, "method_declaration": true, "func_literal": true, "function_definition": true,
	"method_definition": true, "arrow_function": true, "function_expression": true, "function_item": true,
	"constructor_declaration": true, "method": true, "singleton_method": true, "function_statement": true,
	"generator_function_declaration": true, "local_function": true,
}

var classNodes = map[string]bool{
	"class_definition": true, "class_declaration": true, "abstract_class_declaration": true, "impl_item": true,
	"class_specifier": true, "struct_specifier": true, "class": true, "interface_declaration": true,
	"struct_declaration": true, "record_declaration": true, "trait_item": true,
}

func enclosing(q Query, self *File, cursorLine int) enclosingFunc {
	var e enclosingFunc
	if q.Tree != nil && q.Tree.Language() != nil {
		col := q.Offset - (strings.LastIndexByte(q.Text[:q.Offset], '\n') + 1)
		pt := treesitter.Point{Row: uint32(cursorLine), Column: uint32(col)}
		src := q.Text
		for n := q.Tree.NodeAt(pt, pt); n != nil; n = n.Parent() {
			t := n.Type()
			switch {
			case funcNodes[t] && e.sig == "":
				end := n.EndByte()
				if body := n.ChildByFieldName("body"); body != nil {
					end = body.StartByte()
				}
				if int(end) <= len(src) && end-n.StartByte() < 2000 {
					e.sig = src[n.StartByte():end]
				}
				if r := n.ChildByFieldName("receiver"); r != nil && e.self == "" {
					var ids []string
					eachIdent(r.Content([]byte(src)), func(id string, _ int) { ids = append(ids, id) })
					switch {
					case len(ids) >= 2:
						e.self = ids[1]
					case len(ids) == 1:
						e.self = ids[0]
					}
				}
			case classNodes[t] && e.self == "":
				name := n.ChildByFieldName("name")
				if t == "impl_item" {
					name = n.ChildByFieldName("type")
				}
				if name != nil && int(name.EndByte()) <= len(src) {
					e.self = src[name.StartByte():name.EndByte()]
					if i := strings.IndexAny(e.self, "<["); i > 0 {
						e.self = e.self[:i]
					}
				}
			}
		}
		return e
	}
	// No tree: the indexed file's last function that starts above the
	// cursor stands in.
	if self == nil {
		return e
	}
	for i := range self.Defs {
		d := &self.Defs[i]
		if int(d.Start) > cursorLine {
			break
		}
		if d.Kind == Function || d.Kind == Method {
			e.sig, e.self = d.Sig(), d.Container()
		}
	}
	return e
}

// eachIdent calls fn with every identifier in s and its byte offset.
func eachIdent(s string, fn func(id string, at int)) {
	for i := 0; i < len(s); {
		c := s[i]
		if !isIdentStart(c) {
			i++
			if c >= '0' && c <= '9' {
				for i < len(s) && isIdentByte(s[i]) {
					i++
				}
			}
			continue
		}
		j := i + 1
		for j < len(s) && isIdentByte(s[j]) {
			j++
		}
		fn(s[i:j], i)
		i = j
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func isIdentByte(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

type nameSet map[string]bool

// splitWords splits an identifier into lower-case words at case changes and
// underscores: "newJSONEncoder" -> new, json, encoder.
func splitWords(id string) []string {
	var out []string
	rs := []rune(id)
	start := 0
	flush := func(i int) {
		if i > start {
			out = append(out, strings.ToLower(string(rs[start:i])))
		}
		start = i
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '_' || r == '$':
			flush(i)
			start = i + 1
		case unicode.IsUpper(r) && i > start:
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || (unicode.IsUpper(rs[i-1]) && nextLower) {
				flush(i)
			}
		}
	}
	flush(len(rs))
	return out
}
