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
	for sig, want := range map[string]string{
		"class A(B, C):\n    \"\"\"doc\"\"\"":                         "class A(B, C):",
		"export class S<T> extends Sub implements Obs<T> {\n  x = 1;": "export class S<T> extends Sub implements Obs<T> ",
		"class A < B": "class A < B",
	} {
		if got := classHeader(sig); got != want {
			t.Errorf("classHeader(%q) = %q, want %q", sig, got, want)
		}
	}
}
