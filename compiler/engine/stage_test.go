package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kilnhq/kiln/compiler/cache"
)

type appIn struct {
	Name string
	Read func(string) string `key:"-"`
}

type appOut struct {
	Greeting string
	Deps     map[string]string
}

// counted is a stage that greets, counting its runs.
func counted(runs *atomic.Int64) Stage[appIn, appOut] {
	return Stage[appIn, appOut]{Name: "greet", Version: 1, Run: func(_ context.Context, in appIn) (appOut, error) {
		runs.Add(1)
		return appOut{Greeting: "hello " + in.Name}, nil
	}}
}

func TestStageHitsAcrossEngines(t *testing.T) {
	dir := t.TempDir()
	var runs atomic.Int64
	s := counted(&runs)
	ctx := context.Background()
	e := New(Options{Debug: noVerify, Dir: dir, MemBytes: 1 << 20})
	for i, want := range []bool{false, true} {
		out, hit, err := s.Do(ctx, e, appIn{Name: "a"})
		if err != nil || out.Greeting != "hello a" || hit != want {
			t.Fatalf("call %d: %+v hit=%v err=%v", i, out, hit, err)
		}
	}
	if out, hit, _ := s.Do(ctx, New(Options{Debug: noVerify, Dir: dir}), appIn{Name: "a"}); !hit || out.Greeting != "hello a" {
		t.Errorf("another engine on the same disk cache: %+v hit=%v", out, hit)
	}
	if _, hit, _ := s.Do(ctx, e, appIn{Name: "b"}); hit {
		t.Error("another input hit")
	}
	if h, m := e.Stats(); h != 1 || m != 2 || runs.Load() != 2 {
		t.Errorf("hits %d misses %d runs %d", h, m, runs.Load())
	}
	s.Version = 2
	if _, hit, _ := s.Do(ctx, e, appIn{Name: "a"}); hit {
		t.Error("another version hit")
	}
}

// decodes counts how often a result is decoded.
var decodes atomic.Int64

type countedOut struct{ V string }

func (c *countedOut) UnmarshalJSON(b []byte) error {
	decodes.Add(1)
	var s string
	err := json.Unmarshal(b, &s)
	c.V = s
	return err
}

func (c countedOut) MarshalJSON() ([]byte, error) { return json.Marshal(c.V) }

func TestStageDecodesAHitOnce(t *testing.T) {
	e := New(Options{MemBytes: 1 << 20})
	held := 0
	s := Stage[string, countedOut]{Name: "once", Version: 1,
		Run:   func(_ context.Context, in string) (countedOut, error) { return countedOut{in}, nil },
		Holds: func(string, countedOut) bool { held++; return true }}
	s.Do(context.Background(), e, "x")
	decodes.Store(0)
	out, hit, err := s.Do(context.Background(), e, "x")
	if err != nil || !hit || out.V != "x" || held != 1 {
		t.Fatalf("%+v hit=%v err=%v held=%d", out, hit, err, held)
	}
	if n := decodes.Load(); n != 1 {
		t.Errorf("a hit was decoded %d times", n)
	}
}

func TestStageRerunsWhenAStoredResultNoLongerHolds(t *testing.T) {
	files := map[string]string{"lib.libsonnet": "1"}
	var runs atomic.Int64
	s := Stage[appIn, appOut]{Name: "deps", Version: 1,
		Run: func(_ context.Context, in appIn) (appOut, error) {
			runs.Add(1)
			return appOut{Greeting: in.Read("lib.libsonnet"), Deps: map[string]string{"lib.libsonnet": in.Read("lib.libsonnet")}}, nil
		},
		Holds: func(in appIn, out appOut) bool {
			for name, was := range out.Deps {
				if in.Read(name) != was {
					return false
				}
			}
			return true
		}}
	e := New(Options{Debug: noVerify, Dir: t.TempDir()})
	in := appIn{Name: "a", Read: func(name string) string { return files[name] }}
	s.Do(context.Background(), e, in)
	if _, hit, _ := s.Do(context.Background(), e, in); !hit {
		t.Fatal("an unchanged dependency missed")
	}
	files["lib.libsonnet"] = "2"
	out, hit, err := s.Do(context.Background(), e, in)
	if err != nil || hit || out.Greeting != "2" || runs.Load() != 2 {
		t.Errorf("after a dependency changed: %+v hit=%v err=%v runs=%d", out, hit, err, runs.Load())
	}
}

func TestStageNeverStoresErrorsCancellationsOrCutShortResults(t *testing.T) {
	var runs atomic.Int64
	var fail error
	var cancelInside context.CancelFunc
	s := Stage[string, string]{Name: "flaky", Version: 1, Run: func(ctx context.Context, in string) (string, error) {
		runs.Add(1)
		if cancelInside != nil {
			cancelInside() // the caller gives up while it runs
		}
		if fail != nil {
			return "partial", fail
		}
		return "full " + in, nil
	}}
	dir := t.TempDir()
	e := New(Options{Dir: dir, MemBytes: 1 << 20})
	bg := context.Background()
	stored := func() bool {
		id, _ := s.Key(e, "x")
		_, ok := e.lookup(bg, id)
		return ok
	}

	fail = errors.New("boom")
	if _, _, err := s.Do(bg, e, "x"); err != fail || stored() {
		t.Errorf("an error: %v, stored %v", err, stored())
	}

	fail = fmt.Errorf("jsonnet: evaluation timed out: %w", ErrTransient)
	out, hit, kept, err := s.DoKept(bg, e, "x")
	if err != nil || hit || kept || out != "partial" || stored() {
		t.Errorf("a cut-short result: %q hit=%v kept=%v err=%v stored=%v", out, hit, kept, err, stored())
	}

	fail = nil
	ctx, cancel := context.WithCancel(bg)
	cancelInside = cancel
	if _, _, err := s.Do(ctx, e, "x"); !errors.Is(err, context.Canceled) || stored() {
		t.Errorf("a cancelled run: %v, stored %v", err, stored())
	}
	cancelInside = nil
	before := runs.Load()
	if _, _, err := s.Do(ctx, e, "x"); !errors.Is(err, context.Canceled) || runs.Load() != before {
		t.Errorf("a call with an ended context ran: %v", err)
	}
	dctx, dcancel := context.WithDeadline(bg, time.Now().Add(-time.Second))
	defer dcancel()
	if _, _, err := s.Do(dctx, e, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("past its deadline: %v", err)
	}

	if out, hit, kept, err := s.DoKept(bg, e, "x"); err != nil || hit || !kept || out != "full x" || !stored() {
		t.Errorf("then a full run: %q hit=%v kept=%v err=%v stored=%v", out, hit, kept, err, stored())
	}
	if runs.Load() != 4 {
		t.Errorf("%d runs, want 4", runs.Load())
	}
}

func TestStageKeyErrorNamesTheField(t *testing.T) {
	type in struct{ Log func(string) }
	s := Stage[in, string]{Name: "bad", Version: 1, Run: func(context.Context, in) (string, error) { return "", nil }}
	_, _, err := s.Do(context.Background(), New(Options{}), in{})
	if err == nil || !strings.Contains(err.Error(), "the key of bad/v1: field Log") {
		t.Errorf("got %v", err)
	}
}

func TestStageUnderCacheverify(t *testing.T) {
	dir := t.TempDir()
	result := "for a"
	type in struct{ Name string }
	// The key misses what Run reads: result.
	s := Stage[in, string]{Name: "leaky", Version: 1, Run: func(context.Context, in) (string, error) { return result, nil }}
	s.Do(context.Background(), New(Options{Dir: dir}), in{"a"})
	result = "for b"
	_, _, err := s.Do(context.Background(), New(Options{Dir: dir, Debug: "cacheverify=1"}), in{"a"})
	if !errors.Is(err, ErrVerify) {
		t.Errorf("got %v, want a cacheverify failure", err)
	}
}

// waitForWaiters returns once n calls wait for the flight of id.
func waitForWaiters(t *testing.T, e *Engine, id cache.ActionID, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		e.mu.Lock()
		f := e.flights[id]
		joined := f != nil && f.waiters >= n
		e.mu.Unlock()
		if joined {
			return
		}
	}
	t.Fatalf("%d calls never joined the flight", n)
}

func TestConcurrentCallsShareOneRun(t *testing.T) {
	var runs atomic.Int64
	release := make(chan struct{})
	s := Stage[string, appOut]{Name: "slow", Version: 1, Run: func(_ context.Context, in string) (appOut, error) {
		runs.Add(1)
		<-release
		return appOut{Greeting: in, Deps: map[string]string{"a": "1"}}, nil
	}}
	e := New(Options{})
	const n = 8
	outs := make([]appOut, n)
	hits := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			outs[i], hits[i], err = s.Do(context.Background(), e, "x")
			if err != nil {
				t.Error(err)
			}
		}()
	}
	id, _ := s.Key(e, "x")
	waitForWaiters(t, e, id, n-1)
	close(release)
	wg.Wait()
	if runs.Load() != 1 {
		t.Errorf("%d runs for %d concurrent calls", runs.Load(), n)
	}
	spared := 0
	for i := range n {
		if outs[i].Greeting != "x" {
			t.Errorf("call %d got %+v", i, outs[i])
		}
		if hits[i] {
			spared++
		}
	}
	if spared != n-1 {
		t.Errorf("%d calls report their run spared, want %d", spared, n-1)
	}
	// Each call has its own result: one caller's changes are not another's.
	outs[0].Deps["a"] = "changed"
	if outs[1].Deps["a"] != "1" {
		t.Error("two calls share one result's map")
	}
}

// When the call running a stage is abandoned by its own caller, a waiting
// call whose caller still wants the result runs it itself.
func TestAWaiterRunsWhatAnAbandonedLeaderDidNot(t *testing.T) {
	var runs atomic.Int64
	started := make(chan struct{}, 2)
	s := Stage[string, string]{Name: "abandoned", Version: 1, Run: func(ctx context.Context, in string) (string, error) {
		if runs.Add(1) == 1 {
			started <- struct{}{}
			<-ctx.Done()
			return "", ctx.Err()
		}
		return "done " + in, nil
	}}
	e := New(Options{MemBytes: 1 << 20})
	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error)
	go func() {
		_, _, err := s.Do(leaderCtx, e, "x")
		leaderErr <- err
	}()
	<-started
	id, _ := s.Key(e, "x")
	type res struct {
		out string
		hit bool
		err error
	}
	waiter := make(chan res)
	go func() {
		out, hit, err := s.Do(context.Background(), e, "x")
		waiter <- res{out, hit, err}
	}()
	waitForWaiters(t, e, id, 1)
	cancel()
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Errorf("the leader: %v", err)
	}
	if r := <-waiter; r.err != nil || r.hit || r.out != "done x" {
		t.Errorf("the waiter: %+v", r)
	}
	if runs.Load() != 2 {
		t.Errorf("%d runs", runs.Load())
	}
}

// A waiter whose own caller gives up returns at once; the run goes on for
// its leader.
func TestAWaiterLeavesWhenItsCallerGivesUp(t *testing.T) {
	release := make(chan struct{})
	s := Stage[string, string]{Name: "patient", Version: 1, Run: func(_ context.Context, in string) (string, error) {
		<-release
		return in, nil
	}}
	e := New(Options{})
	done := make(chan string)
	go func() {
		out, _, _ := s.Do(context.Background(), e, "x")
		done <- out
	}()
	id, _ := s.Key(e, "x")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		e.mu.Lock()
		_, running := e.flights[id]
		e.mu.Unlock()
		if running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the leader never started")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, _, err := s.Do(ctx, e, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the waiter: %v", err)
	}
	close(release)
	if out := <-done; out != "x" {
		t.Errorf("the leader: %q", out)
	}
}

// A run that panics fails its waiters rather than leaving them waiting.
func TestALeaderPanicFailsItsWaiters(t *testing.T) {
	release := make(chan struct{})
	s := Stage[string, string]{Name: "panics", Version: 1, Run: func(context.Context, string) (string, error) {
		<-release
		panic("bug")
	}}
	e := New(Options{})
	go func() {
		defer func() { recover() }()
		s.Do(context.Background(), e, "x")
	}()
	id, _ := s.Key(e, "x")
	waiter := make(chan error)
	go func() {
		for {
			e.mu.Lock()
			_, running := e.flights[id]
			e.mu.Unlock()
			if running {
				break
			}
			time.Sleep(time.Millisecond)
		}
		_, _, err := s.Do(context.Background(), e, "x")
		waiter <- err
	}()
	waitForWaiters(t, e, id, 1)
	close(release)
	if err := <-waiter; err == nil || !strings.Contains(err.Error(), "panics/v1 failed in another call") {
		t.Errorf("the waiter: %v", err)
	}
}
