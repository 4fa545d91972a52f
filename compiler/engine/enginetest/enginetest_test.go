package enginetest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kilnhq/kiln/compiler/cache"
	"github.com/kilnhq/kiln/compiler/engine"
	"github.com/kilnhq/kiln/compiler/engine/enginetest"
	"github.com/kilnhq/kiln/compiler/source"
)

// recorder is a TB that keeps the failures.
type recorder struct{ errs []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

type test struct {
	Name     string
	Snapshot []byte
}

type digest string

func (d digest) HashKey(h *cache.Hash, name string) { h.AddString(name, string(d)) }

// A sample input of every kind the key walk hashes.
type full struct {
	Def      *source.File
	Root     string
	Tests    []test
	Env      map[string]string
	Limits   struct{ Timeout time.Duration }
	Day      time.Time
	Strict   bool
	Ratio    float64
	Retries  uint
	Waivers  map[string][]string
	Imported *test
	Extra    any
	Sum      digest
	Pinned   [2]string
	Read     func(string) ([]byte, error) `key:"-"`
	Ctx      context.Context              `key:"-"`
}

func sample() full {
	return full{
		Def:      source.NewFile("kiln.yaml", []byte("name: a\n")),
		Root:     "/repo",
		Tests:    []test{{Name: "a_test.yaml", Snapshot: []byte("x")}},
		Env:      map[string]string{"prod": "eu"},
		Day:      time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		Waivers:  map[string][]string{"no-latest": {"until 2027"}},
		Imported: &test{Name: "lib"},
		Extra:    test{Name: "boxed"},
		Sum:      "abc",
	}
}

func TestAFullyKeyedInputPasses(t *testing.T) {
	var r recorder
	s := sample()
	enginetest.CheckKeyed(&r, s)
	enginetest.CheckKeyed(&r, &s)
	if len(r.errs) > 0 {
		t.Errorf("failures for a fully keyed input:\n%s", strings.Join(r.errs, "\n"))
	}
	if s.Def.Name != "kiln.yaml" || len(s.Tests) != 1 || len(s.Env) != 1 || s.Imported.Name != "lib" || s.Extra.(test).Name != "boxed" {
		t.Errorf("the sample was not restored: %+v", s)
	}
	enginetest.CheckKeyed(t, sample()) // as a test calls it
}

func TestAnUntaggedFuncFails(t *testing.T) {
	type in struct {
		Name string
		Read func(string) ([]byte, error)
	}
	var r recorder
	enginetest.CheckKeyed(&r, in{Name: "a"})
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "field Read (func(string) ([]uint8, error)) cannot be hashed") {
		t.Errorf("failures: %q", r.errs)
	}
}

// A key function that leaves a field out fails on that field, both by
// the key and by the trace.
func TestAKeyThatIgnoresAFieldFails(t *testing.T) {
	lazy := func(h *cache.Hash, in any) error {
		s := in.(full)
		s.Tests = nil // forgotten
		return engine.HashInput(h, s)
	}
	var r recorder
	enginetest.CheckKeyFunc(&r, sample(), lazy)
	var unchanged, unnamed bool
	for _, e := range r.errs {
		unchanged = unchanged || strings.Contains(e, "Tests grown by an element, and the key did not change")
		unnamed = unnamed || strings.Contains(e, "does not name Tests[0].Snapshot")
		if !strings.Contains(e, "Tests") {
			t.Errorf("a failure not about Tests: %s", e)
		}
	}
	if !unchanged || !unnamed {
		t.Errorf("failures: %q", r.errs)
	}
}

// A key that hashes a field under another name is caught by the trace.
func TestAMislabelledFieldFails(t *testing.T) {
	type in struct{ Name, Root string }
	key := func(h *cache.Hash, v any) error {
		h.AddString("Name", v.(in).Name)
		h.AddString("root", v.(in).Root)
		return nil
	}
	var r recorder
	enginetest.CheckKeyFunc(&r, in{"a", "b"}, key)
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "does not name Root") {
		t.Errorf("failures: %q", r.errs)
	}
}

func TestASampleTooEmptyToCheckFails(t *testing.T) {
	type in struct {
		Tests []test
		Lib   *test
		Extra any
	}
	var r recorder
	enginetest.CheckKeyed(&r, in{})
	got := strings.Join(r.errs, "\n")
	for _, want := range []string{"Tests is empty in the sample", "Lib is nil in the sample", "Extra is nil"} {
		if !strings.Contains(got, want) {
			t.Errorf("no failure %q in:\n%s", want, got)
		}
	}
}
