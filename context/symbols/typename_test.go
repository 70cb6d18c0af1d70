package symbols

import "testing"

func TestTypeNamed(t *testing.T) {
	for name, want := range map[string]string{
		"request_validator": "RequestValidator",
		"requestValidator":  "RequestValidator",
		"_client":           "Client",
		"subscriber":        "Subscriber",
		"Config":            "", // a type or a constant already
		"id":                "", // too short to mean a type
		"$el":               "",
	} {
		if got := typeNamed(name); got != want {
			t.Errorf("typeNamed(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestClassHeader(t *testing.T) {
	for _, c := range []struct{ lang, sig, want string }{
		{"python", "class A(B, C):\n    \"\"\"doc\"\"\"", "class A(B, C):"},
		{"python", "class A(\n    B,\n):\n    def f(self): pass", "class A(\n    B,\n):"},
		{"typescript", "export class S<T> extends Sub implements Obs<T> {\n  x = 1;", "export class S<T> extends Sub implements Obs<T> "},
		{"typescript", "export class Query<\n  T = unknown,\n> extends Removable {\n  x", "export class Query<\n  T = unknown,\n> extends Removable "},
		{"ruby", "class A < B", "class A < B"},
		{"ruby", "class A < B\n  def f\n    x = {}\n  end", "class A < B"},
	} {
		if got := classHeader(c.sig, c.lang); got != c.want {
			t.Errorf("classHeader(%q, %s) = %q, want %q", c.sig, c.lang, got, c.want)
		}
	}
}
