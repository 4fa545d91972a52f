package guard

import (
	"testing"
	"testing/fstest"
)

// The hash changes with a policy's bytes or name, and with the built-in
// rules, but not with a test file, which Load does not read.
func TestSourceHashIsOfWhatLoadReads(t *testing.T) {
	dir := func(files map[string]string) Options {
		fsys := fstest.MapFS{}
		for name, content := range files {
			fsys[name] = &fstest.MapFile{Data: []byte(content)}
		}
		return Options{Dirs: []Dir{{Name: "policy", FS: fsys}}}
	}
	sum := func(o Options) [32]byte {
		t.Helper()
		s, err := SourceHash(o)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := sum(dir(map[string]string{"a.rego": "package a\n"}))
	if base != sum(dir(map[string]string{"a.rego": "package a\n", "a_test.rego": "package a_test\n", "README.md": "x"})) {
		t.Error("a test file or another file changed the hash")
	}
	for what, o := range map[string]Options{
		"content":  dir(map[string]string{"a.rego": "package b\n"}),
		"name":     dir(map[string]string{"b.rego": "package a\n"}),
		"one more": dir(map[string]string{"a.rego": "package a\n", "sub/c.rego": "package c\n"}),
	} {
		if sum(o) == base {
			t.Errorf("%s: the hash did not change", what)
		}
	}
	noBuiltin := dir(map[string]string{"a.rego": "package a\n"})
	noBuiltin.NoBuiltin = true
	if sum(noBuiltin) == base {
		t.Error("leaving out the built-in rules did not change the hash")
	}
}
