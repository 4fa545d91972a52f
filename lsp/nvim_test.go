//go:build unix

package lsp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/kilnhq/kiln/internal/toolcheck"
)

// nvimApp has two misspelled fields, one of them after non-ASCII text on
// its line, where bytes and UTF-16 units differ, and an unpinned image,
// which the guardrails report once the schema errors are fixed.
const nvimApp = `apiVersion: kiln.dev/v1alpha1
kind: App
metadata:
  name: shop
  owner: team-shop
spec:
  image: nginx:latest
  prot: 8080
  health: {liveness: "/grüße/🚀", readyness: /readyz}
  sla:
    availability: 99.9
  scaling:
    min: 3
    max: 5
`

// nvimResult is what testdata/nvim/init.lua writes.
type nvimResult struct {
	Nvim           string           `json:"nvim"`
	Error          string           `json:"error"`
	Server         string           `json:"server"` // the positionEncoding kiln announced
	OffsetEncoding string           `json:"offset_encoding"`
	KilnPID        int              `json:"kiln_pid"`
	Opened         []nvimDiagnostic `json:"opened"`  // on opening the file
	Applied        []string         `json:"applied"` // the quick fixes' titles
	Fixed          []nvimDiagnostic `json:"fixed"`   // after the quick fixes
	Text           string           `json:"text"`    // the buffer after the quick fixes
	Hover          string           `json:"hover"`
}

// nvimDiagnostic is a diagnostic as Neovim holds it: 0-based lines, byte
// columns; LSPRange is the range kiln sent, in UTF-16 units.
type nvimDiagnostic struct {
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	EndLine  int    `json:"end_line"`
	EndCol   int    `json:"end_col"`
	Severity int    `json:"severity"` // vim.diagnostic.severity: 1 error, 2 warning, 3 info, 4 hint
	Code     string `json:"code"`
	Message  string `json:"message"`
	Source   string `json:"source"`
	LSPRange *struct {
		Start struct{ Line, Character int } `json:"start"`
		End   struct{ Line, Character int } `json:"end"`
	} `json:"lsp_range"`
}

// TestNvim runs kiln lsp under a real editor: Neovim, headless, with the
// setup of testdata/nvim/init.lua. Neovim opens a definition, receives the
// diagnostics, applies kiln's quick fixes through its own workspace-edit
// code, receives the new diagnostics, asks for a hover, and shuts the
// server down.
func TestNvim(t *testing.T) {
	nvim := toolcheck.Command(t, "nvim", "Neovim 0.7 or later; Debian: apt-get install neovim", "kiln lsp under Neovim")
	kiln := kilnBinary(t)
	config, err := filepath.Abs(filepath.Join("testdata", "nvim", "init.lua"))
	if err != nil {
		t.Fatal(err)
	}

	root := t.TempDir()
	for _, d := range []string{".git", "app"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "app", "kiln.yaml"), []byte(nvimApp), 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir() // Neovim's own files (its LSP log among them)
	out := filepath.Join(home, "result.json")
	serverLog := filepath.Join(home, "kiln-lsp.log")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "--clean", "-u", config, filepath.Join("app", "kiln.yaml"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"KILN_BIN="+kiln, "KILN_NVIM_OUT="+out, "KILN_LSP_LOG="+serverLog,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"))
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	// Neovim and the server it starts in a process group of their own, all
	// killed if the run overstays.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	runErr := cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever is left of the group
	}
	t.Logf("nvim ran for %v", time.Since(start).Round(time.Millisecond))

	report := func() string {
		l, _ := os.ReadFile(serverLog)
		return fmt.Sprintf("\nnvim's output:\n%s\nkiln lsp's log:\n%s", output.String(), l)
	}
	if ctx.Err() != nil {
		t.Fatalf("nvim did not finish within 60 s and was killed%s", report())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("nvim wrote no result (%v; nvim: %v)%s", err, runErr, report())
	}
	var res nvimResult
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatalf("the result is not JSON: %v\n%s%s", err, data, report())
	}
	t.Logf("Neovim %s", res.Nvim)
	if res.Error != "" {
		t.Fatalf("in Neovim: %s%s", res.Error, report())
	}
	if runErr != nil {
		t.Errorf("nvim: %v%s", runErr, report())
	}
	if res.KilnPID > 0 && !exits(res.KilnPID, 3*time.Second) {
		syscall.Kill(res.KilnPID, syscall.SIGKILL)
		t.Errorf("kiln lsp (pid %d) was still running 3 s after Neovim quit: it did not follow shutdown and exit%s", res.KilnPID, report())
	}
	if l, _ := os.ReadFile(serverLog); bytes.Contains(l, []byte("panic")) {
		t.Errorf("the server panicked:\n%s", l)
	}
	if res.Server != "utf-16" || res.OffsetEncoding != "utf-16" {
		t.Errorf("kiln announced position encoding %q; Neovim uses %q; want utf-16 for both", res.Server, res.OffsetEncoding)
	}

	// On opening: the two misspelled fields, where the text has them.
	for _, c := range []struct{ field, suggestion string }{{"prot", "port"}, {"readyness", "readiness"}} {
		want := spanOf(t, nvimApp, c.field+":", len(c.field))
		d := diagnosticAt(res.Opened, "schema/unknown-field", want.line)
		if d == nil {
			t.Errorf("no schema/unknown-field on line %d (0-based) for %q; Neovim has %+v", want.line, c.field, res.Opened)
			continue
		}
		if d.Col != want.col || d.EndLine != want.line || d.EndCol != want.endCol {
			t.Errorf("%q: Neovim has %d:%d-%d:%d, want %d:%d-%d:%d (bytes)", c.field, d.Line, d.Col, d.EndLine, d.EndCol, want.line, want.col, want.line, want.endCol)
		}
		if r := d.LSPRange; r == nil {
			t.Errorf("%q: the server's range was not recorded", c.field)
		} else if r.Start.Character != want.col16 || r.End.Character != want.endCol16 {
			t.Errorf("%q: kiln sent characters %d-%d, want %d-%d (UTF-16 units)", c.field, r.Start.Character, r.End.Character, want.col16, want.endCol16)
		}
		if d.Severity != 1 || d.Source != "kiln" || !strings.Contains(d.Message, fmt.Sprintf("did you mean %q", c.suggestion)) {
			t.Errorf("%q: severity %d, source %q, message %q; want an error from kiln suggesting %q", c.field, d.Severity, d.Source, d.Message, c.suggestion)
		}
	}
	if want := spanOf(t, nvimApp, "readyness:", 9); want.col == want.col16 {
		t.Fatal("the test's text has no non-ASCII text before readyness")
	}

	// The quick fixes, applied by Neovim, corrected both fields and
	// nothing else.
	if len(res.Applied) != 2 {
		t.Errorf("quick fixes applied: %q, want the two corrections", res.Applied)
	}
	fixed := strings.NewReplacer("prot:", "port:", "readyness:", "readiness:").Replace(nvimApp)
	if res.Text != fixed {
		t.Errorf("the buffer after the quick fixes:\n%s\nwant:\n%s", res.Text, fixed)
	}

	// Then the guardrails run: the unpinned image, at its key.
	want := spanOf(t, fixed, "image:", len("image"))
	if d := diagnosticAt(res.Fixed, "image-pinned", want.line); d == nil {
		t.Errorf("no image-pinned on line %d after the fixes; Neovim has %+v", want.line, res.Fixed)
	} else if d.Col != want.col || d.EndCol != want.endCol || d.Severity != 1 {
		t.Errorf("image-pinned at %d:%d-%d:%d severity %d, want %d:%d-%d:%d, an error", d.Line, d.Col, d.EndLine, d.EndCol, d.Severity, want.line, want.col, want.line, want.endCol)
	}
	for _, d := range res.Fixed {
		if d.Code == "schema/unknown-field" {
			t.Errorf("a schema error is left after the fixes: %+v", d)
		}
	}

	if !strings.Contains(res.Hover, "spec.sla.availability") {
		t.Errorf("the hover on availability does not document spec.sla.availability:\n%s", res.Hover)
	}
}

// kilnBinary is $KILN_BIN, or kiln built from this checkout.
func kilnBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("KILN_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("KILN_BIN: %v", err)
		}
		return bin
	}
	bin := filepath.Join(t.TempDir(), "kiln")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/kiln")
	cmd.Dir = ".." // the module's root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/kiln: %v\n%s", err, out)
	}
	return bin
}

// span is where a diagnostic on a key is: 0-based line, columns in bytes
// (as Neovim holds them) and in UTF-16 units (as the protocol counts).
type span struct {
	line, col, endCol, col16, endCol16 int
}

// spanOf finds the first line of text holding needle; the span is its
// first n bytes.
func spanOf(t *testing.T, text, needle string, n int) span {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if c := strings.Index(l, needle); c >= 0 {
			u16 := func(b int) int { return len(utf16.Encode([]rune(l[:b]))) }
			return span{line: i, col: c, endCol: c + n, col16: u16(c), endCol16: u16(c + n)}
		}
	}
	t.Fatalf("%q is not in the text", needle)
	return span{}
}

func diagnosticAt(ds []nvimDiagnostic, code string, line int) *nvimDiagnostic {
	for i := range ds {
		if ds[i].Code == code && ds[i].Line == line {
			return &ds[i]
		}
	}
	return nil
}

// exits waits up to d for the process pid to end; a zombie has ended.
func exits(pid int, d time.Duration) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
		if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
