package fieldpath

import (
	"fmt"
	"slices"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for s, elems := range map[string][]string{
		"":                           nil,
		"spec":                       {"spec"},
		"spec.patches[0].target":     {"spec", "patches", "0", "target"},
		"a.b[0][1].c":                {"a", "b", "0", "1", "c"},
		"spec.containers[0].env[12]": {"spec", "containers", "0", "env", "12"},
		`metadata.labels["app.kubernetes.io/name"]`: {"metadata", "labels", "app.kubernetes.io/name"},
		`a["b c"]["d[0]"].e`:                        {"a", "b c", "d[0]", "e"},
		`a["say \"hi\""]`:                           {"a", `say "hi"`},
		`["x.y"].z`:                                 {"x.y", "z"},
		"spec.env.LOG_LEVEL":                        {"spec", "env", "LOG_LEVEL"},
		"metadata.labels.owner/team":                {"metadata", "labels", "owner/team"},
	} {
		if got := Parse(s); !slices.Equal(got, elems) {
			t.Errorf("Parse(%q) = %q, want %q", s, got, elems)
		}
		if got := String(elems); got != s {
			t.Errorf("String(%q) = %q, want %q", elems, got, s)
		}
		p, err := ParsePath(s)
		if err != nil || p.String() != s {
			t.Errorf("ParsePath(%q).String() = %q, %v", s, p.String(), err)
		}
	}
}

func TestJoinAndParent(t *testing.T) {
	for _, tc := range []struct{ path, key, joined string }{
		{"", "spec", "spec"},
		{"metadata.labels", "app.kubernetes.io/name", `metadata.labels["app.kubernetes.io/name"]`},
		{"spec.containers[0]", "image", "spec.containers[0].image"},
		{`a["b.c"]`, "d", `a["b.c"].d`},
	} {
		if got := Join(tc.path, tc.key); got != tc.joined {
			t.Errorf("Join(%q, %q) = %q, want %q", tc.path, tc.key, got, tc.joined)
		}
		if got := Parent(tc.joined); got != tc.path {
			t.Errorf("Parent(%q) = %q, want %q", tc.joined, got, tc.path)
		}
	}
	if got := Parent("a.b[0]"); got != "a.b" {
		t.Errorf("Parent(a.b[0]) = %q", got)
	}
}

func TestParsePath(t *testing.T) {
	doc := map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"app.kubernetes.io/name": "web"}},
		"spec": map[string]any{"containers": []any{
			map[string]any{"name": "side", "ports": []any{map[string]any{"containerPort": 9}}},
			map[string]any{"name": "web", "ports": []any{map[string]any{"containerPort": 8080}}},
		}},
		"data": map[string]any{"8080": "port"},
	}
	for path, want := range map[string]string{
		`spec.containers[1].ports[0].containerPort`:        "8080 spec.containers[1].ports[0].containerPort",
		`spec.containers[name=web].ports[0].containerPort`: "8080 spec.containers[1].ports[0].containerPort",
		`metadata.labels["app.kubernetes.io/name"]`:        `web metadata.labels["app.kubernetes.io/name"]`,
		`data[8080]`:                        "port data[8080]",
		`spec.containers[name=nope]`:        "error: spec.containers has no element with name=nope",
		`spec.containers[5]`:                "error: spec.containers has 2 elements, no [5]",
		`spec.containers.name`:              "error: spec.containers is not a map",
		`metadata.labels.app.kubernetes.io`: `error: metadata.labels has no field "app"`,
		`nope`:                              `error: the document has no field "nope"`,
	} {
		p, err := ParsePath(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		v, elems, err := p.Resolve(doc)
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else {
			got = fmt.Sprint(v) + " " + String(elems)
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", path, got, want)
		}
	}
	for _, bad := range []string{"a[", ".a", "a.", "a[x]", `a["b`, `a["b"`, "a[-1]", "a..b", "a.[0]", "x]", "[ name = x ]",
		"a[name=]", "a[=x]", "a[0]b", `a[""]`, "a b", "a[01]", `a."b.c"`, `a["b"]c`} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
		if got := Parse(bad); got != nil {
			t.Errorf("Parse(%q) = %q, want nil", bad, got)
		}
	}
	if got := Parse("spec.containers[name=web].image"); got != nil {
		t.Errorf("Parse of a selection = %q, want nil", got)
	}
}

func TestFromPointer(t *testing.T) {
	got := FromPointer("/metadata/labels/app.kubernetes.io~1name/bad%20name/~0x")
	want := []string{"metadata", "labels", "app.kubernetes.io/name", "bad name", "~x"}
	if !slices.Equal(got, want) {
		t.Errorf("FromPointer = %q, want %q", got, want)
	}
}

func TestResolve(t *testing.T) {
	doc := map[string]any{"a": []any{map[string]any{"b": 1}}}
	if v, ok := Resolve(doc, []string{"a", "0", "b"}); !ok || v != 1 {
		t.Errorf("Resolve = %v, %v", v, ok)
	}
	for _, p := range [][]string{{"a", "1"}, {"a", "x"}, {"z"}, {"a", "0", "b", "c"}} {
		if _, ok := Resolve(doc, p); ok {
			t.Errorf("Resolve(%q) found something", p)
		}
	}
}

// A key with dots written unquoted finds nothing; Requote finds the path
// that was meant, for the message.
func TestRequote(t *testing.T) {
	doc := map[string]any{"metadata": map[string]any{"labels": map[string]any{"app.kubernetes.io/name": "web", "app": map[string]any{}},
		"annotations": map[string]any{"a.b/c": map[string]any{"d.e": 1}}}}
	for path, want := range map[string]string{
		"metadata.labels.app.kubernetes.io/name": `metadata.labels["app.kubernetes.io/name"]`,
		"metadata.annotations.a.b/c.d.e":         `metadata.annotations["a.b/c"]["d.e"]`,
		"metadata.labels.nope.x":                 "",
		"metadata.labels.app":                    "", // it resolves as written
	} {
		p, err := ParsePath(path)
		if err != nil {
			t.Fatal(err)
		}
		q, ok := p.Requote(doc)
		if got := q.String(); got != want || ok != (want != "") {
			t.Errorf("Requote(%s) = %q, %v; want %q", path, got, ok, want)
		}
	}
}

func TestWithin(t *testing.T) {
	for _, c := range []struct {
		path, parent string
		want         bool
	}{
		{`metadata.labels["app.kubernetes.io/name"]`, "metadata.labels", true},
		{`metadata.annotations["a.b/c"]`, `metadata.annotations["a.b/c"]`, true},
		{`metadata.annotations["a.b/c"].x`, `metadata.annotations["a.b/c"]`, true},
		{`metadata.annotations["a.b/c"]`, `metadata.annotations["a"]`, false},
		{`metadata.annotations["a.b"]`, `metadata.annotations.a`, false},
		{"spec.envs", "spec.env", false},
		{"spec.template.spec.containers[0].image", "spec.template.spec.containers", true},
		{"spec.template.spec.containers[0].image", "spec.template.spec.containers[0]", true},
		{"spec.template.spec.containers[1].image", "spec.template.spec.containers[0]", false},
		{"spec", "spec.env", false},
		{"anything", "", true},
	} {
		if got := Within(c.path, c.parent); got != c.want {
			t.Errorf("Within(%s, %s) = %v, want %v", c.path, c.parent, got, c.want)
		}
	}
}

func TestFromSelectors(t *testing.T) {
	got := FromSelectors([]string{"deployment", "metadata", "annotations", `"a.b/c"`, "x"})
	if want := `deployment.metadata.annotations["a.b/c"].x`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := FromSelectors([]string{"deployment", "spec", "template", "spec", "containers", "0", "image"}), "deployment.spec.template.spec.containers[0].image"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
