package workspace_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/workspace"
)

func TestParseShard(t *testing.T) {
	for spec, want := range map[string]workspace.Shard{"1/1": {I: 1, N: 1}, "1/4": {I: 1, N: 4}, "4/4": {I: 4, N: 4}, "3/10": {I: 3, N: 10}} {
		got, err := workspace.ParseShard(spec)
		if err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", spec, got, err, want)
		}
		if got.String() != spec {
			t.Errorf("ParseShard(%q).String() = %q", spec, got.String())
		}
	}
	for spec, msg := range map[string]string{
		"5/4":  `shard "5/4": the shard "5" is not a whole number from 1 to 4`,
		"0/4":  `shard "0/4": the shard "0" is not a whole number from 1 to 4`,
		"-1/3": `shard "-1/3": the shard "-1" is not a whole number from 1 to 3`,
		"0/0":  `shard "0/0": the number of shards "0" is not a whole number of at least 1`,
		"a/b":  `shard "a/b": the number of shards "b" is not a whole number of at least 1`,
		"1/":   `shard "1/": the number of shards "" is not a whole number of at least 1`,
		"1":    `shard "1" is not i/n (such as 1/4: the first of four shards)`,
		"":     `shard "" is not i/n (such as 1/4: the first of four shards)`,
		"1/4/": `shard "1/4/": the number of shards "4/" is not a whole number of at least 1`,
	} {
		if _, err := workspace.ParseShard(spec); err == nil || err.Error() != msg {
			t.Errorf("ParseShard(%q) = %v, want %s", spec, err, msg)
		}
	}
}

// The split is a function of the path relative to the root: fixed
// values, so that a change to it (which would move apps between CI
// runners' caches) fails here.
func TestShardHashIsStable(t *testing.T) {
	for _, c := range []struct {
		def  string
		want uint64
	}{
		{"apps/checkout/kiln.yaml", 0x3d285e7a05841c20}, // printf %s apps/checkout/kiln.yaml | sha256sum
		{"apps/web/kiln.jsonnet", 0xe46b600916df809c},
		{"kiln.yaml", 0x1a7aa00353e0d888},
	} {
		if got := workspace.ShardHash("/repo", "/repo/"+c.def); got != c.want {
			t.Errorf("ShardHash(%s) = %#x, want %#x", c.def, got, c.want)
		}
		if got := workspace.ShardHash("/elsewhere/clone", "/elsewhere/clone/"+c.def); got != c.want {
			t.Errorf("ShardHash(%s) in another clone = %#x, want %#x", c.def, got, c.want)
		}
	}
}

// Every app is in exactly one shard, the shards are of about the same
// size, and adding apps moves none of the others.
func TestShardsSpreadAndStay(t *testing.T) {
	const n, apps = 4, 2000
	shardOf := func(def string) int {
		in := 0
		for i := 1; i <= n; i++ {
			if (workspace.Shard{I: i, N: n}).Has("/repo", def) {
				if in != 0 {
					t.Fatalf("%s is in shards %d and %d", def, in, i)
				}
				in = i
			}
		}
		if in == 0 {
			t.Fatalf("%s is in no shard", def)
		}
		return in
	}
	sizes := make([]int, n+1)
	placed := map[string]int{}
	for a := range apps {
		def := fmt.Sprintf("/repo/apps/team-%d/app-%d/kiln.yaml", a%37, a)
		placed[def] = shardOf(def)
		sizes[placed[def]]++
	}
	for i := 1; i <= n; i++ {
		// 500 expected; a binomial's deviation is about 19.
		if sizes[i] < 420 || sizes[i] > 580 {
			t.Errorf("shard %d/%d holds %d of %d apps: %v", i, n, sizes[i], apps, sizes[1:])
		}
	}
	for a := range 100 {
		shardOf(fmt.Sprintf("/repo/apps/new-%d/kiln.yaml", a))
	}
	for def, i := range placed {
		if got := shardOf(def); got != i {
			t.Errorf("%s moved from shard %d to %d when apps were added", def, i, got)
		}
	}
	if (workspace.Shard{}).Has("/repo", "/repo/a/kiln.yaml") != true {
		t.Error("the zero Shard must hold every app")
	}
}

// Check with a shard checks that shard's apps only, counts every app in
// Total, and gives the same split from another working directory and
// from an absolute path.
func TestCheckShard(t *testing.T) {
	files := map[string]string{}
	var all []string
	for i := range 8 {
		name := fmt.Sprintf("app%d", i)
		files["apps/"+name+"/kiln.yaml"] = strings.ReplaceAll(app, "NAME", name)
		all = append(all, "apps/"+name+"/kiln.yaml")
	}
	root := repo(t, files)
	w := open(t, workspace.Options{Dir: root})
	checked := func(dir, path string, s workspace.Shard) []string {
		t.Helper()
		t.Chdir(dir)
		r, err := w.Check(context.Background(), []string{path}, workspace.CheckOptions{Shard: s})
		if err != nil {
			t.Fatal(err)
		}
		if r.Total != len(all) {
			t.Errorf("shard %v: Total = %d, want %d", s, r.Total, len(all))
		}
		if r.Apps != len(r.Files) {
			t.Errorf("shard %v: Apps = %d, but %d files", s, r.Apps, len(r.Files))
		}
		var out []string
		for _, f := range r.Files {
			abs := f.Name
			if !filepath.IsAbs(abs) {
				abs = filepath.Join(dir, abs)
			}
			rel, _ := filepath.Rel(root, abs)
			out = append(out, filepath.ToSlash(rel))
		}
		return out
	}
	var union []string
	for i := 1; i <= 4; i++ {
		s := workspace.Shard{I: i, N: 4}
		fromRoot := checked(root, ".", s)
		fromApps := checked(filepath.Join(root, "apps"), ".", s)
		fromAbs := checked(t.TempDir(), root, s)
		if !slices.Equal(fromRoot, fromApps) || !slices.Equal(fromRoot, fromAbs) {
			t.Errorf("shard %v: from the root %v, from apps/ %v, by absolute path %v", s, fromRoot, fromApps, fromAbs)
		}
		union = append(union, fromRoot...)
	}
	slices.Sort(union)
	if !slices.Equal(union, all) {
		t.Errorf("the 4 shards checked %v, want every app once: %v", union, all)
	}
}

// FuzzParseShard: --shard takes only i/n with 1 ≤ i ≤ n, and what it
// takes it prints back as given (leading zeros and signs aside).
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"1/4", "5/4", "0/0", "a/b", "1/", "-1/3", "+1/2", "01/2", "1/2/3", " 1/2", "9999999999999999999/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := workspace.ParseShard(spec)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty message")
			}
			return
		}
		if s.I < 1 || s.I > s.N {
			t.Fatalf("ParseShard(%q) = %+v", spec, s)
		}
		again, err := workspace.ParseShard(s.String())
		if err != nil || again != s {
			t.Fatalf("%q → %v → %+v, %v", spec, s, again, err)
		}
	})
}
