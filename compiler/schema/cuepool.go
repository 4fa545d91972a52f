package schema

import (
	"fmt"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/kilnhq/kiln/schemas"
)

// An evaluator is schemas/app.cue compiled in a CUE context of its own.
type evaluator struct {
	app   cue.Value // #Checked: what definitions are checked against
	shape cue.Value // #App: its fields and defaults
}

func compileCUE() (*evaluator, error) {
	v := cuecontext.New().CompileBytes(schemas.AppCUE, cue.Filename("schemas/app.cue"))
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("schemas/app.cue: %v", err)
	}
	return &evaluator{app: v.LookupPath(cue.ParsePath("#Checked")), shape: v.LookupPath(cue.ParsePath("#App"))}, nil
}

// A cuePool lends evaluators, one goroutine at a time each. It compiles
// another only when every one is lent and fewer than max exist, so one
// app checked alone pays for one compilation, and a run over many apps
// for at most one per processor.
type cuePool struct {
	free chan *evaluator
	made chan struct{} // a token per evaluator made
}

func newCUEPool(first *evaluator, max int) *cuePool {
	p := &cuePool{free: make(chan *evaluator, max), made: make(chan struct{}, max)}
	p.made <- struct{}{}
	p.free <- first
	return p
}

func (p *cuePool) get() *evaluator {
	select {
	case e := <-p.free:
		return e
	default:
	}
	select {
	case e := <-p.free:
		return e
	case p.made <- struct{}{}:
		e, err := compileCUE()
		if err != nil {
			// The same embedded source compiled once already.
			panic(err)
		}
		return e
	}
}

func (p *cuePool) put(e *evaluator) { p.free <- e }
