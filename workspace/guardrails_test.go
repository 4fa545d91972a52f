package workspace

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/engine"
)

// A lazy workspace whose policies and configuration a load has already
// seen takes the rules from the cache, without parsing the policies,
// and finds what the load found; a change to a policy or to the
// configuration loads them again.
func TestStoredGuardrails(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	write := func(name, content string) {
		os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755)
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".kiln/config.yaml", "policies: [policy]\ndisable: [image-digest]\n")
	write("policy/team.rego", "package main\n\nimport rego.v1\n\ndeny contains \"no\" if { false }\n")
	dir := t.TempDir()
	stored := func(debug string) *guardrails {
		t.Helper()
		w, err := Open(context.Background(), Options{Dir: root, Cache: engine.New(engine.Options{Dir: dir, Debug: debug}), LazyPolicies: true})
		if err != nil {
			t.Fatal(err)
		}
		g, err := w.stored()
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	loaded := stored(noVerify)
	if loaded.bundle == nil {
		t.Fatal("the first run did not load the policies")
	}
	again := stored(noVerify)
	if again.bundle != nil {
		t.Error("the second run parsed the policies again")
	}
	if !slices.Equal(loaded.reportRules(), again.reportRules()) || !slices.Equal(loaded.rules.Known, again.rules.Known) ||
		loaded.sources != again.sources || string(sharedKey(loaded, "1.37", nil)) != string(sharedKey(again, "1.37", nil)) {
		t.Errorf("the stored rules differ from the loaded ones:\n%v\n%v", loaded.rules, again.rules)
	}
	if !again.rules.known("image-digest") || again.rules.known("no-such-rule") {
		t.Errorf("known ids: %v", again.rules.Known)
	}
	if g := stored("cacheverify=1"); g.bundle == nil {
		t.Error("cacheverify took the stored rules without loading the policies")
	}
	// Stored rules that differ from a load's fail cacheverify.
	c, err := cache.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*", "*-a"))
	tampered := 0
	for _, e := range entries {
		b, _ := os.ReadFile(e)
		if _, data, _ := strings.Cut(string(b), "\n"); strings.HasPrefix(data, `{"Rules":`) {
			var id cache.ActionID
			hex.Decode(id[:], []byte(strings.TrimSuffix(filepath.Base(e), "-a")))
			c.Write(id, []byte(strings.Replace(data, "image-digest", "image-digestive", 1)))
			tampered++
		}
	}
	if tampered != 1 {
		t.Fatalf("%d stored rules found, want 1", tampered)
	}
	w, _ := Open(context.Background(), Options{Dir: root, Cache: engine.New(engine.Options{Dir: dir, Debug: "cacheverify=1"}), LazyPolicies: true})
	if _, err := w.stored(); !errors.Is(err, engine.ErrVerify) {
		t.Errorf("stored rules that differ from a load's: %v, want a cacheverify error", err)
	}
	write("policy/team.rego", "package main\n\nimport rego.v1\n\nwarn contains \"no\" if { false }\n")
	if g := stored(noVerify); g.bundle == nil {
		t.Error("a changed policy did not load the policies")
	}
	write(".kiln/config.yaml", "policies: [policy]\ndisable: [no-such-rule]\n")
	w, _ = Open(context.Background(), Options{Dir: root, Cache: engine.New(engine.Options{Debug: noVerify, Dir: dir}), LazyPolicies: true})
	if _, err := w.stored(); err == nil {
		t.Error("a configuration that disables an unknown rule loaded")
	}
}
