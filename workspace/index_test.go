package workspace

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/engine"
)

const indexedApp = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata: {name: NAME, owner: team-a}
spec:
  image: ghcr.io/a/NAME:1.0.0
  port: 8080
`

// indexRepo is a repository of two apps, and a function that checks it
// through an engine on dir with the debug settings given.
func indexRepo(t *testing.T) (root string, check func(dir, debug string) *CheckResult) {
	root = t.TempDir()
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	for _, n := range []string{"a", "b"} {
		os.MkdirAll(filepath.Join(root, n), 0o755)
		os.WriteFile(filepath.Join(root, n, "kiln.yaml"), []byte(strings.ReplaceAll(indexedApp, "NAME", n)), 0o644)
	}
	return root, func(dir, debug string) *CheckResult {
		t.Helper()
		return checkThrough(t, root, dir, debug, root)
	}
}

// checkThrough checks path, in the repository at root, through an
// engine on the cache directory dir with the debug settings given.
func checkThrough(t *testing.T, root, dir, debug, path string) *CheckResult {
	t.Helper()
	w, err := Open(context.Background(), Options{Dir: root, Cache: engine.New(engine.Options{Dir: dir, Debug: debug}), LazyPolicies: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Check(context.Background(), []string{path}, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// indexOf opens the index a check of root reads.
func indexOf(t *testing.T, dir, root string) *checkIndex {
	t.Helper()
	x := openCheckIndex(engine.New(engine.Options{Debug: noVerify, Dir: dir}), []string{root}, Shard{})
	if x == nil {
		t.Fatal("no index without a disk cache")
	}
	x.load()
	return x
}

// A warm run is answered by the index, not an entry per app, with what
// the engine answered; an app changed since is asked of the engine.
func TestCheckIndexAnswersAWarmRun(t *testing.T) {
	root, check := indexRepo(t)
	dir := t.TempDir()
	cold := check(dir, noVerify)
	if cold.Misses != 2 {
		t.Fatalf("cold: %d hits, %d misses", cold.Hits, cold.Misses)
	}
	x := indexOf(t, dir, root)
	if len(x.old) != 2 {
		t.Fatalf("the index holds %d results, want 2", len(x.old))
	}
	// Leave the index alone: only it can answer.
	h := hex.EncodeToString(x.id[:])
	keep := filepath.Join(dir, h[:2], h+"-a")
	names, _ := filepath.Glob(filepath.Join(dir, "*", "*-[ad]"))
	for _, n := range names {
		if n != keep {
			os.Remove(n)
		}
	}
	warm := check(dir, noVerify)
	if warm.Hits != 2 || warm.Misses != 0 {
		t.Fatalf("warm: %d hits, %d misses, want the index's 2 hits", warm.Hits, warm.Misses)
	}
	if findings(cold) != findings(warm) || len(cold.Files) != len(warm.Files) {
		t.Errorf("the index changed the result:\ncold %s\nwarm %s", findings(cold), findings(warm))
	}
	os.WriteFile(filepath.Join(root, "a", "kiln.yaml"), []byte(strings.ReplaceAll(indexedApp, "NAME", "a")+"  replicas: 3\n"), 0o644)
	if r := check(dir, noVerify); r.Hits != 1 || r.Misses != 1 {
		t.Errorf("one app changed: %d hits, %d misses", r.Hits, r.Misses)
	}
}

// cacheverify recomputes what the index answers and fails the app whose
// indexed result differs from a fresh one.
func TestCheckIndexIsVerified(t *testing.T) {
	root, check := indexRepo(t)
	dir := t.TempDir()
	check(dir, noVerify)
	if r := check(dir, "cacheverify=1"); strings.Contains(findings(r), "cacheverify") {
		t.Fatalf("an index of fresh results fails cacheverify:\n%s", findings(r))
	}
	x := indexOf(t, dir, root)
	for id, r := range x.old {
		r.Considered = "another app" // what no computation of it gives
		x.keep(id, r, true)
	}
	x.close()
	if r := check(dir, noVerify); r.Hits != 2 {
		t.Fatalf("the tampered index did not answer: %d hits", r.Hits)
	}
	r := check(dir, "cacheverify=1")
	if got := strings.Count(findings(r), "cacheverify"); got != 2 {
		t.Errorf("cacheverify found %d stale results of 2:\n%s", got, findings(r))
	}
}

func findings(r *CheckResult) string {
	var b strings.Builder
	for _, d := range r.Diagnostics {
		b.WriteString(d.Code + ": " + d.Message + "\n")
	}
	return b.String()
}

// noVerify keeps a KILN_DEBUG=cacheverify=1 of the test run out of a test
// of the cache's hits themselves, which verification turns into
// recomputations.
const noVerify = "cacheverify=0"

// A result the engine refuses to store (here build/unknown-app, a result
// cut short: the app it depends on is missing) is not indexed either:
// the entry under its key is then an older result, and indexing this
// run's would answer every later run with it, also once the app it
// depends on is back under another directory.
func TestCheckIndexKeepsOnlyStoredResults(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	later := filepath.Join(root, "shop", "later")
	os.MkdirAll(later, 0o755)
	os.WriteFile(filepath.Join(later, "kiln.yaml"), []byte(strings.ReplaceAll(indexedApp, "NAME", "later")+"  dependsOn: [{app: ledger}]\n"), 0o644)
	ledger := []byte(strings.ReplaceAll(indexedApp, "NAME", "ledger"))
	place := func(dir string) {
		os.MkdirAll(filepath.Join(root, "deep", dir), 0o755)
		os.WriteFile(filepath.Join(root, "deep", dir, "kiln.yaml"), ledger, 0o644)
	}
	dir := t.TempDir()
	check := func() string {
		t.Helper()
		return findings(checkThrough(t, root, dir, noVerify, later))
	}
	place("a")
	if got := check(); strings.Contains(got, "build/unknown-app") {
		t.Fatalf("with its dependency in place:\n%s", got)
	}
	os.RemoveAll(filepath.Join(root, "deep", "a"))
	if got := check(); !strings.Contains(got, "build/unknown-app") {
		t.Fatalf("with its dependency gone:\n%s", got)
	}
	place("b")
	if got := check(); strings.Contains(got, "build/unknown-app") {
		t.Errorf("the dependency is back, under another directory, and the index still says:\n%s", got)
	}
}

// A run that changes a few apps of many writes them as a delta beside
// the base, and leaves the base as it is; one that changes many, or
// leaves a quarter of the base unused, writes a new base, beside which
// the old delta counts for nothing.
func TestCheckIndexWritesADeltaForAFewChanges(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	write := func(i int, extra string) {
		n := fmt.Sprintf("app%02d", i)
		os.MkdirAll(filepath.Join(root, n), 0o755)
		os.WriteFile(filepath.Join(root, n, "kiln.yaml"), []byte(strings.ReplaceAll(indexedApp, "NAME", n)+extra), 0o644)
	}
	for i := range 20 {
		write(i, "")
	}
	dir := t.TempDir()
	check := func() *CheckResult {
		t.Helper()
		return checkThrough(t, root, dir, noVerify, root)
	}
	baseOf := func() (gen [16]byte, n int, delta int) {
		x := indexOf(t, dir, root)
		d, _ := readIndexFile(x.c, x.deltaID())
		if d.Gen != x.gen {
			d.IDs = nil
		}
		return x.gen, len(x.base), len(d.IDs)
	}
	want := findings(check())
	gen0, n, delta := baseOf()
	if n != 20 || delta != 0 {
		t.Fatalf("cold: a base of %d results and a delta of %d, want 20 and none", n, delta)
	}

	write(3, "  replicas: 3\n")
	if r := check(); r.Hits != 19 || r.Misses != 1 {
		t.Fatalf("one app changed: %d hits, %d misses", r.Hits, r.Misses)
	}
	gen, n, delta := baseOf()
	if gen != gen0 || n != 20 || delta != 1 {
		t.Fatalf("one app changed: base %x of %d results (was %x), delta of %d; want the base as it was and a delta of 1", gen[:4], n, gen0[:4], delta)
	}
	if x := indexOf(t, dir, root); len(x.old) != 21 {
		t.Fatalf("after the delta the index answers for %d results, want the base's 20 and the delta's", len(x.old))
	}
	write(3, "")
	if r := check(); r.Hits != 20 || findings(r) != want {
		t.Fatalf("the app changed back: %d hits, findings\n%s\nwant\n%s", r.Hits, findings(r), want)
	}

	for i := range 6 { // more than an eighth of the base
		write(i, "  replicas: 4\n")
	}
	if r := check(); r.Misses != 6 {
		t.Fatalf("six apps changed: %d misses", r.Misses)
	}
	gen, n, delta = baseOf()
	if gen == gen0 || n != 20 || delta != 0 {
		t.Fatalf("six apps changed: base %x of %d results (was %x), delta of %d; want a new base of 20 and no delta", gen[:4], n, gen0[:4], delta)
	}
	if r := check(); r.Hits != 20 || r.Misses != 0 {
		t.Fatalf("warm after the new base: %d hits, %d misses", r.Hits, r.Misses)
	}

	gen0 = gen
	for i := 14; i < 20; i++ { // a quarter of the base no run asks for
		os.RemoveAll(filepath.Join(root, fmt.Sprintf("app%02d", i)))
	}
	check()
	if gen, n, _ := baseOf(); gen == gen0 || n != 14 {
		t.Fatalf("six apps removed: base %x of %d results (was %x); want a new base of 14", gen[:4], n, gen0[:4])
	}
}

// A definition modified since the index was written is the hint that an
// app will be computed; none modified, no hint.
func TestCheckIndexSeesADefinitionModifiedSince(t *testing.T) {
	for _, app := range []string{"a", "b"} { // the stamp names every definition
		root, check := indexRepo(t)
		dir := t.TempDir()
		check(dir, noVerify)
		if x := indexOf(t, dir, root); x.changedSince() {
			t.Fatal("nothing modified since the index was written, and it says something was")
		}
		later := time.Now().Add(time.Minute)
		if err := os.Chtimes(filepath.Join(root, app, "kiln.yaml"), later, later); err != nil {
			t.Fatal(err)
		}
		if x := indexOf(t, dir, root); !x.changedSince() {
			t.Fatalf("%s/kiln.yaml modified after the index was written went unseen", app)
		}
	}
}

// A definition touched after the index was written, its content the
// same, hints once: the run that computes nothing writes the stamp again,
// and the next run loads no tools for nothing. A time behind the index's
// (an archive extracted) or ahead of this clock counts as a touch; one
// ahead hides no later edit of another definition.
func TestCheckIndexHintsOnceForATouch(t *testing.T) {
	root, check := indexRepo(t)
	dir := t.TempDir()
	check(dir, noVerify)
	touches := []struct {
		app  string
		when time.Time
	}{{"b", time.Now().Add(-time.Hour)}, {"b", time.Now().Add(time.Hour)}, {"a", time.Now().Add(-2 * time.Hour)}}
	for _, touch := range touches {
		if err := os.Chtimes(filepath.Join(root, touch.app, "kiln.yaml"), touch.when, touch.when); err != nil {
			t.Fatal(err)
		}
		if !indexOf(t, dir, root).changedSince() {
			t.Fatalf("%s touched at %v: no hint", touch.app, touch.when)
		}
		if r := check(dir, noVerify); r.Misses != 0 {
			t.Fatalf("%s touched at %v: %d misses; want every app from the index", touch.app, touch.when, r.Misses)
		}
		if indexOf(t, dir, root).changedSince() {
			t.Errorf("%s touched at %v: the run after the touch computed nothing, and the next still hints", touch.app, touch.when)
		}
	}
}

// A hinted run gives its workers the definitions modified since the
// stamp, and those it does not know, first (in the scan's order), so
// that the apps to compute start at once; without the hint the order is
// the scan's.
func TestCheckIndexComputesTheModifiedFirst(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, ".git"), 0o755)
	write := func(n string) {
		os.MkdirAll(filepath.Join(root, n), 0o755)
		os.WriteFile(filepath.Join(root, n, "kiln.yaml"), []byte(strings.ReplaceAll(indexedApp, "NAME", n)), 0o644)
	}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		write(n)
	}
	dir := t.TempDir()
	checkThrough(t, root, dir, noVerify, root)
	order := func() []string {
		t.Helper()
		inputs, _, err := scanInputs([]string{root})
		if err != nil {
			t.Fatal(err)
		}
		x := indexOf(t, dir, root)
		x.changedSince()
		var names []string
		x.forEach(inputs, 1, func(i int) { // one worker: the order of the calls
			names = append(names, filepath.Base(filepath.Dir(inputs[i].file.Name)))
		})
		return names
	}
	if got, want := order(), []string{"a", "b", "c", "d", "e"}; !slices.Equal(got, want) {
		t.Errorf("nothing modified: order %v, want the scan's, %v", got, want)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(root, "d", "kiln.yaml"), later, later); err != nil {
		t.Fatal(err)
	}
	write("c0") // not in the stamp: added since
	if got, want := order(), []string{"c0", "d", "a", "b", "c", "e"}; !slices.Equal(got, want) {
		t.Errorf("d modified and c0 added: order %v, want %v", got, want)
	}
}

// A result the delta holds under a key the base holds too (computed again
// when a file the app imports changed) is carried into the next delta,
// whatever else that run computes; a delta written beside another base
// counts for nothing.
func TestCheckIndexDeltaCarriesItsResults(t *testing.T) {
	root, check := indexRepo(t)
	dir := t.TempDir()
	check(dir, noVerify)
	ids := func(x *checkIndex) (out []cache.ActionID) {
		for id := range x.old {
			out = append(out, id)
		}
		slices.SortFunc(out, func(a, b cache.ActionID) int { return bytes.Compare(a[:], b[:]) })
		return out
	}
	x := indexOf(t, dir, root)
	keys := ids(x)
	x.base = map[cache.ActionID]bool{}
	for i := range 16 { // a base big enough for deltas beside it
		var id cache.ActionID
		id[0], id[1] = 0xff, byte(i)
		x.entries[id], x.base[id] = checked1{Considered: "filler"}, true
	}
	for _, id := range keys {
		x.entries[id], x.base[id] = x.old[id], true
	}
	x.write(x.id, x.gen, slices.Collect(maps.Keys(x.entries)))

	// Run 1: the first app computed again under its key.
	x = indexOf(t, dir, root)
	for id, r := range x.old {
		if id == keys[0] {
			r.Considered = "v1"
			x.keep(id, r, true)
			continue
		}
		x.keep(id, r, false)
	}
	x.close()
	// Run 2: the second app computed again; the first read from the delta.
	x = indexOf(t, dir, root)
	if x.old[keys[0]].Considered != "v1" {
		t.Fatalf("after run 1 the index answers %q for the first app, want the delta's v1", x.old[keys[0]].Considered)
	}
	for id, r := range x.old {
		if id == keys[1] {
			r.Considered = "v2"
		}
		x.keep(id, r, id == keys[1])
	}
	x.close()
	x = indexOf(t, dir, root)
	if got := x.old[keys[0]].Considered; got != "v1" {
		t.Errorf("after run 2 the index answers %q for the first app, want v1 carried in the delta", got)
	}
	if got := x.old[keys[1]].Considered; got != "v2" {
		t.Errorf("after run 2 the index answers %q for the second app, want v2", got)
	}

	// Another base, of another generation: the delta is not read beside it.
	var gen [16]byte
	gen[0] = ^x.gen[0]
	for id := range x.base {
		x.entries[id] = checked1{Considered: "base"}
	}
	x.write(x.id, gen, slices.Collect(maps.Keys(x.base)))
	x = indexOf(t, dir, root)
	if got := x.old[keys[0]].Considered; got != "base" {
		t.Errorf("beside a base of another generation the index answers %q, want the base's result, the delta ignored", got)
	}
}

// Most definitions modified since the index was written is a fresh
// checkout, not an edit: no hint, and a stamp written anew.
func TestCheckIndexTakesAFreshCheckoutForNoChange(t *testing.T) {
	root, check := indexRepo(t)
	dir := t.TempDir()
	check(dir, noVerify)
	later := time.Now().Add(time.Minute)
	for _, n := range []string{"a", "b"} {
		os.Chtimes(filepath.Join(root, n, "kiln.yaml"), later, later)
	}
	if indexOf(t, dir, root).changedSince() {
		t.Fatal("every definition modified since the index was written, and it says an app will be computed")
	}
	// The run after the checkout computes nothing and writes the stamp
	// anew: an edit after it hints again.
	if r := check(dir, noVerify); r.Misses != 0 {
		t.Fatalf("%d misses after a checkout; want every app from the index", r.Misses)
	}
	edit := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(root, "a", "kiln.yaml"), edit, edit)
	if !indexOf(t, dir, root).changedSince() {
		t.Error("an edit after a checkout went unseen: the stamp still holds the times from before the checkout")
	}
}

// An app's check measures what the team pass needs only when the
// configuration has teams, the only runs that read it.
func TestCheckMeasuresTeamsOnlyWhenConfigured(t *testing.T) {
	root, check := indexRepo(t)
	dir := t.TempDir()
	check(dir, noVerify)
	for _, r := range indexOf(t, dir, root).old {
		if r.Team != nil {
			t.Fatalf("%s: measured for teams without a teams configuration", r.File.Name)
		}
	}
	os.MkdirAll(filepath.Join(root, ".kiln"), 0o755)
	os.WriteFile(filepath.Join(root, ".kiln", "config.yaml"), []byte("teams:\n  groups: {team-a: a-devs}\n"), 0o644)
	check(dir, noVerify)
	x := indexOf(t, dir, root)
	if len(x.old) == 0 {
		t.Fatal("no results indexed")
	}
	for id, r := range x.old {
		if x.base[id] && r.Team == nil {
			t.Fatalf("%s: not measured for teams with a teams configuration", r.File.Name)
		}
	}
}
