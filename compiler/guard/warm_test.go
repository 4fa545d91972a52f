package guard

import (
	"context"
	"strings"
	"testing"
)

// A lazy bundle warmed in the background evaluates as one compiled on
// its first evaluation, and a policy that does not compile is still
// Eval's error, not lost in the background.
func TestWarmIsLazyCompilationStartedEarly(t *testing.T) {
	in := Input{Environment: "default", Objects: []map[string]any{{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "x"}}}}
	eval := func(src string, warm bool) ([]Finding, error) {
		b, ds := Load(context.Background(), Options{Dirs: userDir(map[string]string{"x.rego": src}), NoBuiltin: true, Lazy: true})
		if ds != nil {
			t.Fatal(ds)
		}
		if warm {
			b.Warm()
			b.Warm() // twice: still one compilation
		}
		return b.Eval(context.Background(), in)
	}
	good := "package main\nimport rego.v1\ndeny contains \"no\" if input.kind == \"ConfigMap\"\n"
	cold, err1 := eval(good, false)
	warm, err2 := eval(good, true)
	if err1 != nil || err2 != nil || len(cold) != 1 || len(warm) != 1 || cold[0].Message != warm[0].Message {
		t.Errorf("cold %v %v, warmed %v %v", cold, err1, warm, err2)
	}
	// Parses, but refers to a function that does not exist: a compile error.
	bad := "package main\nimport rego.v1\ndeny contains \"no\" if nosuch(input)\n"
	if _, err := eval(bad, true); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("a warmed bundle that does not compile: %v", err)
	}
}
