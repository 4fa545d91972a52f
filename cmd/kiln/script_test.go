package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kilnhq/kiln/cmd/kiln/cli"
	"github.com/kilnhq/kiln/internal/lineend"
)

var update = flag.Bool("update", false, "rewrite the expected output in testscripts/*.txtar")

func TestMain(m *testing.M) {
	os.Exit(testscript.RunMain(m, map[string]func() int{"kiln": cli.Main}))
}

// TestScripts runs the CLI end to end from testscripts/*.txtar.
func TestScripts(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testscripts",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("EXAMPLES", examples)
			// KILN_DEBUG=cacheverify=1 go test ./... recomputes every
			// cache hit of every script too, and fails on a difference.
			if strings.Contains(os.Getenv("KILN_DEBUG"), "cacheverify=1") {
				env.Setenv("KILN_DEBUG", "cacheverify=1")
			}
			return nil
		},
		// [race]: the race detector's runtime allocates more while packages
		// initialize, past what kiln's own start allocates.
		Condition: func(cond string) (bool, error) {
			if cond == "race" {
				return race, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode":    exitcode,
			"unhex":       unhex,
			"bigfile":     bigfile,
			"corrupt":     corrupt,
			"lineends":    lineends,
			"sparse":      sparse,
			"mkfifo":      mkfifo,
			"cacheserver": cacheserver,
			// action.yml's and docs/ci/gitlab-ci.yml's scripts, run for real
			"actionstep": actionstep,
			"gitlabjob":  gitlabjob,
			// deploy/argocd/plugin.yaml run as Argo CD runs it
			"argocd": argocdCmd,
		},
	})
}

// exitcode N CMD ARGS... runs CMD like exec and requires exit status N,
// because kiln's exit codes are a contract: 1 and 2 mean different things.
func exitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// unhex IN OUT writes the bytes spelled in hex in file IN to OUT, for inputs
// a text archive cannot hold (invalid UTF-8, NUL bytes).
func unhex(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: unhex in out")
	}
	b, err := hex.DecodeString(strings.Join(strings.Fields(ts.ReadFile(args[0])), ""))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o644))
}

// lineends crlf|cr|mixed IN OUT writes IN with its line endings made
// \r\n, a lone \r (classic Mac OS), or a mix of \n, \r and \r\n.
func lineends(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: lineends crlf|cr|mixed in out")
	}
	i := map[string]int{"crlf": 0, "cr": 1, "mixed": 2}
	n, ok := i[args[0]]
	if !ok {
		ts.Fatalf("lineends: unknown mode %q", args[0])
	}
	out := ts.MkAbs(args[2])
	ts.Check(os.MkdirAll(filepath.Dir(out), 0o755))
	ts.Check(os.WriteFile(out, lineend.Variants([]byte(ts.ReadFile(args[1])))[n], 0o644))
}

// sparse NAME BYTES makes a file of the given size that occupies no disk
// (a hole), as an attacker's 2 GiB file would.
func sparse(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sparse name bytes")
	}
	n, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Check(f.Truncate(n))
	ts.Check(f.Close())
}

// bigfile NAME BYTES writes a YAML file of the given size.
func bigfile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: bigfile name bytes")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	line := []byte("# padding padding padding padding padding padding padding padding\n")
	b := bytes.Repeat(line, n/len(line)+1)[:n]
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o644))
}

// corrupt DIR damages a kiln cache the ways disks and killed processes do:
// it flips a byte of one output, truncates another, and deletes a third,
// so that a test can check each is a miss and never a wrong answer.
func corrupt(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: corrupt DIR")
	}
	// Outputs live in files of their own (-d) or, when small, in their
	// action entries (-a); damage both kinds.
	outputs, _ := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), "*", "*-[ad]"))
	if len(outputs) == 0 {
		ts.Fatalf("no cache entries in %s", args[0])
	}
	for i, name := range outputs {
		data, err := os.ReadFile(name)
		ts.Check(err)
		switch i % 3 {
		case 0:
			data[len(data)-2] ^= 0x40
			ts.Check(os.WriteFile(name, data, 0o644))
		case 1:
			ts.Check(os.WriteFile(name, data[:len(data)/2], 0o644))
		default:
			ts.Check(os.Remove(name))
		}
	}
}
