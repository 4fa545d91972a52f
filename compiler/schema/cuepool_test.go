package schema

import (
	"fmt"
	"sync"
	"testing"

	"cuelang.org/go/cue"
)

// Apps unified at once on several goroutines each get an evaluator no
// other goroutine holds, and the same answer as alone; no more
// evaluators are compiled than the pool allows. Run with -race, this is
// what proves the CUE contexts are never shared.
func TestCUEPoolLendsEachEvaluatorToOneGoroutine(t *testing.T) {
	first, err := compileCUE()
	if err != nil {
		t.Fatal(err)
	}
	const max = 3
	p := newCUEPool(first, max)
	unify := func(def cue.Value, port int) string {
		src := fmt.Sprintf(`{apiVersion: "kiln.dev/v1alpha1", kind: "App", metadata: {name: "a%d", owner: "team-a"}, spec: {image: "nginx:1.27", port: %d}}`, port, port)
		v := def.Unify(def.Context().CompileString(src))
		if err := v.Validate(cue.Concrete(true)); err != nil {
			return err.Error()
		}
		n, _ := v.LookupPath(cue.ParsePath("spec.port")).Int64()
		return fmt.Sprint(n)
	}
	var (
		mu   sync.Mutex
		lent = map[*evaluator]bool{}
		wg   sync.WaitGroup
	)
	for i := range 24 {
		wg.Go(func() {
			e := p.get()
			defer p.put(e)
			mu.Lock()
			if lent[e] {
				t.Errorf("evaluator %p lent twice at once", e)
			}
			lent[e] = true
			mu.Unlock()
			if got, want := unify(e.app, 8000+i), fmt.Sprint(8000+i); got != want {
				t.Errorf("port %d: got %s", 8000+i, got)
			}
			mu.Lock()
			delete(lent, e)
			mu.Unlock()
		})
	}
	wg.Wait()
	if n := len(p.made); n > max {
		t.Errorf("%d evaluators compiled, the pool allows %d", n, max)
	}
}
