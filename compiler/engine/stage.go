package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kilnhq/kiln/compiler/cache"
)

// ErrTransient is the error a Stage's Run returns beside a result that
// answers this call only: a time-out inside it (a Jsonnet evaluation that
// hit its deadline) cut it short, and so it says nothing about the inputs
// its key hashes. Stage.Do returns that result, with no error, and stores
// it nowhere. Transient's errors are ErrTransient too.
var ErrTransient = errors.New("a result cut short, not to be stored")

// A Stage is a cached computation: Run's result for an input In, keyed by
// the stage's name and version, kiln's identity and every field of In (see
// HashInput). Bump Version whenever Run's result for the same input
// changes: a new rule, a fixed bug, another shape of Out.
type Stage[In, Out any] struct {
	Name    string
	Version int
	// Run computes the result. It returns ErrTransient, with its result,
	// for a result cut short. When ctx ends, whatever Run returns is
	// dropped for ctx's error.
	Run func(ctx context.Context, in In) (Out, error)
	// Holds, when set, tells whether a stored result still holds for in:
	// for instance, the files it recorded reading are unchanged. false
	// runs the stage again.
	Holds func(in In, out Out) bool
}

// Key is the ActionID of s's result for in, or why in cannot be keyed
// (a field HashInput cannot hash).
func (s Stage[In, Out]) Key(e *Engine, in In) (cache.ActionID, error) {
	h := e.Key(s.Name, s.Version)
	if err := HashInput(h, in); err != nil {
		return cache.ActionID{}, fmt.Errorf("the key of %s/v%d: %w", s.Name, s.Version, err)
	}
	return h.Sum(), nil
}

// Do returns s's result for in: stored, shared with a call running it
// now, or computed. hit reports whether Run was spared (stored or
// shared). The result is JSON-encoded in the engine's stores, and is what
// decoding its encoding gives also when computed now, so that a result
// never depends on whether it was cached. It goes through the engine's
// lookups, cacheverify and stats as Engine.Do does.
//
// Errors are never stored, and neither is a result when ctx ends: Do then
// returns ctx's error. Concurrent calls with the same key run Run once;
// if the call running it ends because its own ctx did, a waiting call
// whose ctx is still live runs it itself. A result cut short
// (ErrTransient) is handed to the calls that waited for it, which asked
// the same question at the same time, but to no later one.
func (s Stage[In, Out]) Do(ctx context.Context, e *Engine, in In) (out Out, hit bool, err error) {
	out, hit, _, err = s.DoKept(ctx, e, in)
	return out, hit, err
}

// DoKept is Do, and also reports whether its answer is one the engine
// keeps: found in its stores, or computed and stored now; not a result
// cut short (ErrTransient), which answers this call and those that
// waited for it alone. A caller that keeps answers of its own beside the
// engine's (a run's index of results) keeps only those.
func (s Stage[In, Out]) DoKept(ctx context.Context, e *Engine, in In) (out Out, hit, kept bool, err error) {
	if err := ctx.Err(); err != nil {
		return out, false, false, err
	}
	id, err := s.Key(e, in)
	if err != nil {
		return out, false, false, err
	}
	for {
		e.mu.Lock()
		f, running := e.flights[id]
		if !running {
			f = &flight{done: make(chan struct{})}
			e.flights[id] = f
		} else {
			f.waiters++
		}
		e.mu.Unlock()
		if !running {
			return s.lead(ctx, e, id, in, f)
		}
		select {
		case <-ctx.Done():
			return out, false, false, ctx.Err()
		case <-f.done:
		}
		if f.abandoned {
			continue // the leader's ctx ended, not ours: run it ourselves
		}
		if f.res.err != nil {
			return out, false, false, f.res.err
		}
		if err := json.Unmarshal(f.res.out, &out); err != nil {
			return out, false, false, fmt.Errorf("%s/v%d: decoding its result: %w", s.Name, s.Version, err)
		}
		e.hits.Add(1)
		return out, true, !f.res.transient, nil
	}
}

// A flight is one Stage.Do running for a key; calls with the same key
// wait for it rather than run again.
type flight struct {
	done      chan struct{} // closed once res is set
	res       result
	abandoned bool // the leader's ctx ended: res answers nobody else
	waiters   int  // calls that joined it, under Engine.mu (for tests)
}

// lead runs s for in through the engine and hands the result to f's
// waiters.
func (s Stage[In, Out]) lead(ctx context.Context, e *Engine, id cache.ActionID, in In, f *flight) (out Out, hit, kept bool, err error) {
	finished := false
	defer func() {
		if !finished {
			// Run panicked: the waiters must not wait for ever, nor
			// take an empty result.
			f.res.err = fmt.Errorf("%s/v%d failed in another call", s.Name, s.Version)
		}
		e.mu.Lock()
		delete(e.flights, id)
		e.mu.Unlock()
		close(f.done)
	}()
	var stored Out
	valid := func(b []byte) bool {
		var o Out // fresh: decoding into a used value would merge the two
		if json.Unmarshal(b, &o) != nil {
			return false // written by an Out of another shape: a miss
		}
		if s.Holds != nil && !s.Holds(in, o) {
			return false
		}
		stored = o
		return true
	}
	run := func() ([]byte, error) {
		o, err := s.Run(ctx, in)
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr // abandoned: whatever Run returned answers nothing
		}
		cut := errors.Is(err, ErrTransient)
		if err != nil && !cut {
			return nil, err
		}
		b, err := json.Marshal(o)
		if err != nil {
			return nil, fmt.Errorf("%s/v%d: encoding its result: %w", s.Name, s.Version, err)
		}
		if cut {
			return nil, Transient(b)
		}
		return b, nil
	}
	r := e.do(ctx, id, run, valid)
	finished = true
	f.res = r
	f.abandoned = r.err != nil && ctx.Err() != nil
	if r.err != nil {
		return out, false, false, r.err
	}
	if r.hit {
		return stored, true, true, nil
	}
	if err := json.Unmarshal(r.out, &out); err != nil {
		return out, false, false, fmt.Errorf("%s/v%d: decoding its result: %w", s.Name, s.Version, err)
	}
	return out, false, !r.transient, nil
}
