package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kilnhq/kiln/internal/sandbox"
)

// The tasks below run in workers, which are this test binary started
// again: TestMain makes it serve them.
func init() {
	sandbox.Register("test/echo", func(req json.RawMessage, read sandbox.ReadFunc) (any, error) {
		var s string
		err := json.Unmarshal(req, &s)
		return strings.ToUpper(s), err
	})
	sandbox.Register("test/read", func(req json.RawMessage, read sandbox.ReadFunc) (any, error) {
		var names []string
		if err := json.Unmarshal(req, &names); err != nil {
			return nil, err
		}
		var got []string
		for _, n := range names {
			b, err := read(n)
			if err != nil {
				return nil, err
			}
			got = append(got, string(b))
		}
		return got, nil
	})
	// grow allocates in small steps, as a Jsonnet array built element by
	// element does.
	sandbox.Register("test/grow", func(req json.RawMessage, read sandbox.ReadFunc) (any, error) {
		var keep [][]byte
		for {
			b := make([]byte, 1<<20)
			for i := range b {
				b[i] = 1 // resident, not only reserved
			}
			keep = append(keep, b)
		}
	})
	// huge asks for 8 GiB in one allocation, past any sampling.
	sandbox.Register("test/huge", func(req json.RawMessage, read sandbox.ReadFunc) (any, error) {
		b := make([]byte, 8<<30)
		return len(b), nil
	})
	sandbox.Register("test/spin", func(req json.RawMessage, read sandbox.ReadFunc) (any, error) {
		for {
		}
	})
	sandbox.Register("test/panic", func(req json.RawMessage, read sandbox.ReadFunc) (any, error) {
		panic("boom")
	})
	sandbox.Register("test/fail", func(req json.RawMessage, read sandbox.ReadFunc) (any, error) {
		return nil, errors.New("the input is wrong")
	})
}

func TestMain(m *testing.M) {
	sandbox.ServeIfWorker()
	os.Exit(m.Run())
}

var lim = sandbox.Limits{Memory: 256 << 20, Timeout: 20 * time.Second}

func TestCallReusesWorker(t *testing.T) {
	p := sandbox.New(1)
	defer p.Close()
	for _, in := range []string{"a", "b", "c"} {
		var out string
		if err := p.Call(context.Background(), "test/echo", in, &out, nil, lim); err != nil {
			t.Fatal(err)
		}
		if out != strings.ToUpper(in) {
			t.Errorf("echo %q = %q", in, out)
		}
	}
}

func TestReadsGoThroughTheParent(t *testing.T) {
	p := sandbox.New(1)
	defer p.Close()
	var asked []string
	read := func(name string) ([]byte, error) {
		asked = append(asked, name)
		if name == "missing" {
			return nil, errors.New("no such file")
		}
		return []byte("content of " + name), nil
	}
	var got []string
	if err := p.Call(context.Background(), "test/read", []string{"a.libsonnet", "b.libsonnet"}, &got, read, lim); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "content of a.libsonnet,content of b.libsonnet" || len(asked) != 2 {
		t.Errorf("got %q after reads %q", got, asked)
	}
	err := p.Call(context.Background(), "test/read", []string{"missing"}, &got, read, lim)
	var te *sandbox.TaskError
	if !errors.As(err, &te) || !strings.Contains(te.Msg, "no such file") {
		t.Errorf("a failed read: %v, want the parent's error as the task's", err)
	}
}

func TestMemoryBudget(t *testing.T) {
	for _, task := range []string{"test/grow", "test/huge"} {
		t.Run(task, func(t *testing.T) {
			p := sandbox.New(1)
			start := time.Now()
			err := p.Call(context.Background(), task, nil, new(any), nil, lim)
			var le *sandbox.LimitError
			if !errors.As(err, &le) || !le.Memory {
				t.Fatalf("err = %v, want the memory budget passed", err)
			}
			p.Close()
			// The worker's peak is its own start (a few MiB here) plus at
			// most the budget; 128 MiB more allows for the runtime near the
			// limit. A worker the runtime ended at its address-space cap
			// (test/huge) reports no peak; the cap is the bound there.
			peak := p.PeakRSS()
			if task == "test/grow" && peak < lim.Memory/2 {
				t.Errorf("the worker reported a peak of %d MiB; it held about %d MiB", peak>>20, lim.Memory>>20)
			}
			if peak > lim.Memory+128<<20 {
				t.Errorf("the worker peaked at %s for a budget of %s", sandbox.FormatBytes(peak), sandbox.FormatBytes(lim.Memory))
			}
			t.Logf("%s: %v after %v, worker peak RSS %d MiB", task, err, time.Since(start).Round(time.Millisecond), p.PeakRSS()>>20)
		})
	}
}

func TestDeadlineAndCancel(t *testing.T) {
	p := sandbox.New(1)
	defer p.Close()
	err := p.Call(context.Background(), "test/spin", nil, new(any), nil, sandbox.Limits{Memory: lim.Memory, Timeout: 200 * time.Millisecond})
	var le *sandbox.LimitError
	if !errors.As(err, &le) || le.Memory {
		t.Fatalf("err = %v, want the deadline passed", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if err := p.Call(ctx, "test/spin", nil, new(any), nil, lim); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the caller's cancellation", err)
	}
	var out string
	if err := p.Call(context.Background(), "test/echo", "after", &out, nil, lim); err != nil || out != "AFTER" {
		t.Fatalf("after a killed worker: %q, %v", out, err)
	}
}

func TestTaskFailures(t *testing.T) {
	p := sandbox.New(2)
	defer p.Close()
	for task, want := range map[string]string{
		"test/panic":   "the evaluator failed: boom",
		"test/fail":    "the input is wrong",
		"test/unknown": `unknown task "test/unknown"`,
	} {
		err := p.Call(context.Background(), task, nil, new(any), nil, lim)
		var te *sandbox.TaskError
		if !errors.As(err, &te) || te.Msg != want {
			t.Errorf("%s: %v, want %q", task, err, want)
		}
	}
}
