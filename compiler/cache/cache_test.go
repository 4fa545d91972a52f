package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func id(s string) ActionID {
	h := NewHash("test", nil)
	h.AddString("s", s)
	return h.Sum()
}

func TestPutGet(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(id("a")); !errors.Is(err, ErrMiss) {
		t.Fatalf("empty cache: %v", err)
	}
	if err := c.Write(id("a"), []byte("hello")); err != nil {
		t.Fatal(err)
	}
	got, err := c.Read(id("a"))
	if err != nil || string(got) != "hello" {
		t.Fatalf("got %q, %v", got, err)
	}
	// Two actions with one large output share its bytes; small outputs
	// live in their entries.
	big := bytes.Repeat([]byte("x"), inlineMax+1)
	c.Write(id("b"), big)
	c.Write(id("c"), big)
	s, _ := c.Stats()
	if s.Entries != 3 || s.Outputs != 1 {
		t.Errorf("stats %+v", s)
	}
	if got, err := c.Read(id("c")); err != nil || !bytes.Equal(got, big) {
		t.Errorf("large output: %d bytes, %v", len(got), err)
	}
}

func TestHashSeparatesInputs(t *testing.T) {
	h1 := NewHash("x", nil)
	h1.AddString("a", "ab")
	h1.AddString("b", "c")
	h2 := NewHash("x", nil)
	h2.AddString("a", "a")
	h2.AddString("b", "bc")
	if h1.Sum() == h2.Sum() {
		t.Error("ab+c and a+bc hash alike")
	}
	var trace bytes.Buffer
	h3 := NewHash("x", &trace)
	h3.AddString("input", "v")
	if !bytes.Contains(trace.Bytes(), []byte("cachehash x: input 1 bytes")) {
		t.Errorf("trace: %q", trace.String())
	}
}

// A key's bytes are "name len\n" then the data, input after input: the
// layout every stored key was computed with, whatever writes it.
func TestHashLayout(t *testing.T) {
	h := NewHash("check/v4", nil)
	h.AddString("App.Root", "apps/a")
	h.Add("App.Definition.Content", nil)
	long := strings.Repeat("n", 300) // longer than the stack buffer
	h.AddString(long, "x")
	h.AddString("Long", long) // past what AddString writes with its header
	want := sha256.Sum256([]byte("computation 8\ncheck/v4" + "App.Root 6\napps/a" + "App.Definition.Content 0\n" + long + " 1\nx" + "Long 300\n" + long))
	if got := h.Sum(); got != want {
		t.Errorf("the key's layout changed: %x, want %x", got, want)
	}
}

// Every way an entry can be damaged is a miss, never wrong bytes.
func TestDamagedEntriesAreMisses(t *testing.T) {
	for name, damage := range map[string]func(c *Cache, data string){
		"truncated output": func(c *Cache, data string) { os.WriteFile(c.dataName(outputOf(data)), []byte(data[:3]), 0o644) },
		"bit flip":         func(c *Cache, data string) { os.WriteFile(c.dataName(outputOf(data)), []byte("hellO"+data[5:]), 0o644) },
		"output deleted":   func(c *Cache, data string) { os.Remove(c.dataName(outputOf(data))) },
		"entry garbage":    func(c *Cache, data string) { os.WriteFile(c.entryName(id("k")), []byte("\x00\x01junk"), 0o644) },
		"entry truncated":  func(c *Cache, data string) { os.WriteFile(c.entryName(id("k")), []byte(format+" abc"), 0o644) },
		"other format": func(c *Cache, data string) {
			b, _ := os.ReadFile(c.entryName(id("k")))
			os.WriteFile(c.entryName(id("k")), bytes.Replace(b, []byte(format), []byte("kiln-cache-v0"), 1), 0o644)
		},
	} {
		c, _ := Open(t.TempDir())
		data := strings.Repeat("hello world ", inlineMax/10) // big enough for a file of its own
		c.Write(id("k"), []byte(data))
		damage(c, data)
		if got, err := c.Read(id("k")); !errors.Is(err, ErrMiss) {
			t.Errorf("%s: got %q, %v; want a miss", name, got, err)
		}
		// And a new Put repairs it.
		c.Write(id("k"), []byte(data))
		if got, err := c.Read(id("k")); err != nil || string(got) != data {
			t.Errorf("%s: after Put: %q, %v", name, got, err)
		}
	}
}

func outputOf(data string) OutputID { return OutputID(sumOf([]byte(data))) }

// Small outputs live in their entry; damage there is a miss too.
func TestDamagedInlineEntriesAreMisses(t *testing.T) {
	for name, damage := range map[string]func(b []byte) []byte{
		"bit flip":  func(b []byte) []byte { b[len(b)-2] ^= 1; return b },
		"truncated": func(b []byte) []byte { return b[:len(b)-3] },
		"extra":     func(b []byte) []byte { return append(b, 'x') },
	} {
		c, _ := Open(t.TempDir())
		c.Write(id("k"), []byte("small output"))
		b, _ := os.ReadFile(c.entryName(id("k")))
		os.WriteFile(c.entryName(id("k")), damage(b), 0o644)
		if got, err := c.Read(id("k")); !errors.Is(err, ErrMiss) {
			t.Errorf("%s: got %q, %v; want a miss", name, got, err)
		}
	}
}

func TestTrimByAge(t *testing.T) {
	c, _ := Open(t.TempDir())
	now := time.Now()
	c.now = func() time.Time { return now }
	c.Write(id("old"), []byte("old"))
	c.Write(id("new"), []byte("new"))
	past := now.Add(-MaxAge - time.Hour)
	os.Chtimes(c.entryName(id("old")), past, past)
	n, err := c.Trim(false)
	if err != nil || n != 1 {
		t.Fatalf("trimmed %d, %v", n, err)
	}
	if _, err := c.Read(id("old")); err == nil {
		t.Error("a stale entry survived")
	}
	if _, err := c.Read(id("new")); err != nil {
		t.Error("a fresh entry was trimmed")
	}
	// Within a day, trimming again does nothing; a day later it runs.
	os.Chtimes(c.entryName(id("new")), past, past)
	if n, _ := c.Trim(false); n != 0 {
		t.Errorf("trimmed %d within a day of the last trim", n)
	}
	c.now = func() time.Time { return now.Add(25 * time.Hour) }
	if n, _ := c.Trim(false); n != 1 {
		t.Errorf("trimmed %d a day later, want the one stale entry", n)
	}
}

// Goroutines writing and reading one directory see whole entries only.
func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Open(dir)
			if err != nil {
				t.Errorf("writer %d: %v", w, err) // eight kilns starting on one new cache all use it
				return
			}
			for i := range 50 {
				k := fmt.Sprint(i % 10)
				c.Write(id(k), bytes.Repeat([]byte(k), 1000+i%10))
				if got, err := c.Read(id(k)); err == nil && !bytes.Equal(got, bytes.Repeat([]byte(k), len(got))) {
					t.Errorf("writer %d read a mixed entry", w)
				}
			}
		}()
	}
	wg.Wait()
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*", ".tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestMemoryEvictsLeastRecentlyUsed(t *testing.T) {
	m := NewMemory(10)
	ctx := context.Background()
	m.Put(ctx, id("a"), []byte("aaaa"))
	m.Put(ctx, id("b"), []byte("bbbb"))
	m.Get(ctx, id("a"))
	m.Put(ctx, id("c"), []byte("cccc")) // 12 bytes: b goes
	if _, ok := m.Get(ctx, id("b")); ok {
		t.Error("b, the least recently used, stayed")
	}
	if _, ok := m.Get(ctx, id("a")); !ok {
		t.Error("a was evicted although used")
	}
}

// An output deleted by another process between the read of its entry and
// the read of the output (kiln cache clean, a trim, rm -r) is a miss, and
// writing the same output again makes the entry whole.
func TestOutputDeletedBetweenEntryAndOutput(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("y"), inlineMax+1) // an output in a file of its own
	if err := c.Write(id("big"), big); err != nil {
		t.Fatal(err)
	}
	c.beforeData = func() {
		if err := c.Clean(); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := c.Read(id("big")); !errors.Is(err, ErrMiss) || got != nil {
		t.Fatalf("got %d bytes, %v; want a miss", len(got), err)
	}
	c.beforeData = nil
	if err := c.Write(id("big"), big); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Read(id("big")); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("after rewriting: %d bytes, %v", len(got), err)
	}
}

// A directory that holds files but no kiln cache is refused, and nothing
// in it is ever deleted: --cache-dir ~/go by mistake must not empty ~/go.
func TestForeignDirectoryIsNotACache(t *testing.T) {
	dir := t.TempDir()
	hexName := strings.Repeat("ab", 32)
	for _, name := range []string{"go.mod", "ab/" + hexName + "-a", "pkg/mod/x-d"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte("mine"), 0o644)
		past := time.Now().Add(-30 * 24 * time.Hour)
		os.Chtimes(filepath.Join(dir, name), past, past)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "is no kiln cache") {
		t.Fatalf("Open of a foreign directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "README")); err == nil {
		t.Error("Open wrote its README into a foreign directory")
	}
	// A cache whose README was removed (or replaced) deletes nothing.
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c.Write(id("a"), []byte("a"))
	os.WriteFile(filepath.Join(c.Dir(), "README"), []byte("my notes\n"), 0o644)
	if _, err := c.Trim(true); err == nil {
		t.Error("Trim ran without kiln's README")
	}
	if err := c.Clean(); err == nil {
		t.Error("Clean ran without kiln's README")
	}
	if _, err := c.Read(id("a")); err != nil {
		t.Errorf("an entry was deleted: %v", err)
	}
}

// Trim and Clean remove only files of kiln's own format, in kiln's own
// subdirectories.
func TestTrimAndCleanTouchOnlyKilnFiles(t *testing.T) {
	c, _ := Open(t.TempDir())
	c.Write(id("a"), []byte("a"))
	c.Write(id("b"), bytes.Repeat([]byte("b"), inlineMax+1))
	hexName := strings.Repeat("cd", 32)
	foreign := []string{"notes-a", "ab/notes-d", "cd/" + strings.Repeat("ab", 32) + "-a", "other/" + hexName + "-a", "ab/sub/" + hexName + "-d", "cd/" + strings.ToUpper(hexName) + "-a"}
	past := time.Now().Add(-MaxAge - 24*time.Hour)
	for _, name := range foreign {
		p := filepath.Join(c.Dir(), filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("mine"), 0o644)
		os.Chtimes(p, past, past)
	}
	for _, n := range []string{c.entryName(id("a")), c.entryName(id("b"))} {
		os.Chtimes(n, past, past)
	}
	if n, err := c.Trim(true); err != nil || n != 2 {
		t.Errorf("Trim removed %d, %v; want the two stale entries", n, err)
	}
	if err := c.Clean(); err != nil {
		t.Fatal(err)
	}
	for _, name := range foreign {
		if _, err := os.Stat(filepath.Join(c.Dir(), filepath.FromSlash(name))); err != nil {
			t.Errorf("%s was deleted", name)
		}
	}
	if s, _ := c.Stats(); s.Entries+s.Outputs != 0 {
		t.Errorf("Clean left %+v", s)
	}
}

// An entry names the action it answers: one copied over another action's
// entry file (by a mistaken sync, or on purpose) is a miss there, not the
// other action's answer.
func TestAnEntryIsBoundToItsAction(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{"failing app", strings.Repeat("x", inlineMax+1)} {
		if err := c.Write(id("fails"), []byte(data)); err != nil {
			t.Fatal(err)
		}
		if err := c.Write(id("passes"), []byte("clean")); err != nil {
			t.Fatal(err)
		}
		copied, err := os.ReadFile(c.entryName(id("passes")))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(c.entryName(id("fails")), copied, 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Read(id("fails")); !errors.Is(err, ErrMiss) {
			t.Errorf("a copied entry answered %q, %v; want a miss", got, err)
		}
		if got, err := c.Read(id("passes")); err != nil || string(got) != "clean" {
			t.Errorf("the original entry: %q, %v", got, err)
		}
	}
}
