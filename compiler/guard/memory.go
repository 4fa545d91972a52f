package guard

import (
	"context"
	"errors"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// DefaultMemory bounds the heap the guardrails' evaluations may grow the
// process by (Options.Memory, policyMemory in .kiln/config.yaml). kiln's
// 53 rules over a thousand apps stay under 100 MiB.
const DefaultMemory = 1 << 30

// errOverMemory is the cause of an evaluation cancelled by the watch.
var errOverMemory = errors.New("the guardrails passed their memory budget")

// The guardrails run in kiln's own process: OPA's compiled bundle is too
// costly to rebuild in a worker for every app. Each builtin call is
// bounded (bounds.go), so memory grows only step by step, through
// iteration, and OPA checks its context at every step. So one watch, while
// any evaluation runs, samples the heap every few milliseconds and
// cancels every running evaluation once it holds more than the budget
// beyond what it held when the first of them began. The heap counts
// garbage not yet collected (kiln's batch commands run with GOGC=400): past the
// line, the watch collects, at most every 50ms, and judges the live heap
// that remains, so garbage never stops a run and growth is caught within
// one sample.
var watch struct {
	mu        sync.Mutex
	active    map[*evalWatch]struct{}
	baseline  uint64
	budget    uint64
	collected time.Time // the last collection the watch forced
	sampling  bool      // a sample goroutine runs
}

type evalWatch struct {
	cancel context.CancelCauseFunc
}

// watched returns ctx bounded by the memory watch, with the budget given
// (0: DefaultMemory), and the function that ends the watch of it.
func watched(ctx context.Context, budget int64) (context.Context, func()) {
	if budget <= 0 {
		budget = DefaultMemory
	}
	ctx, cancel := context.WithCancelCause(ctx)
	w := &evalWatch{cancel: cancel}
	watch.mu.Lock()
	if len(watch.active) == 0 {
		watch.active = map[*evalWatch]struct{}{}
		watch.baseline = liveHeap()
		watch.budget = uint64(budget)
	}
	if !watch.sampling {
		watch.sampling = true
		go sample()
	}
	watch.budget = min(watch.budget, uint64(budget))
	watch.active[w] = struct{}{}
	watch.mu.Unlock()
	return ctx, func() {
		watch.mu.Lock()
		delete(watch.active, w)
		watch.mu.Unlock()
		cancel(nil)
	}
}

// sample runs while any evaluation is watched.
func sample() {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for range t.C {
		watch.mu.Lock()
		if len(watch.active) == 0 {
			watch.sampling = false
			watch.mu.Unlock()
			return
		}
		if line := watch.baseline + watch.budget; heapObjects() > line && time.Since(watch.collected) > 50*time.Millisecond {
			runtime.GC()
			watch.collected = time.Now()
			if liveHeap() > line {
				for w := range watch.active {
					w.cancel(errOverMemory)
				}
			}
		}
		watch.mu.Unlock()
	}
}

var heapSamples = []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}

// liveHeap is the heap the last collection found live.
func liveHeap() uint64 { return readHeap(0) }

// heapObjects is the heap's objects, live or not yet collected.
func heapObjects() uint64 { return readHeap(1) }

func readHeap(i int) uint64 {
	metrics.Read(heapSamples)
	if heapSamples[i].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return heapSamples[i].Value.Uint64()
}
