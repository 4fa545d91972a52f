package workspace

import (
	"fmt"
	"sync"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/compiler/team"
)

// outcome is what building one input gave.
type outcome struct {
	diags     diag.List
	file      report.File
	built     *built // nil when there is nothing to write
	badInput  bool
	waived    diag.List // findings waivers exempted
	documents int       // documents the guardrails evaluated
	// Of plain manifests: documents judged without the fields the schema
	// rejects, and documents not judged.
	partial, unguarded int
	// Of a build with guardrails: the app's name when they considered
	// its waivers, the app's own waivers and the indexes of the
	// repository's waivers that exempted a finding.
	considered  string
	appWaivers  bool
	repoWaivers []int
	// team is what the team namespaces need of the app's build; nil
	// when it did not build.
	team *team.App
}

// Evaluated counts what the guardrails judged in a run, so that a run
// that checked nothing cannot pass unnoticed.
type Evaluated struct {
	Apps, Files int // apps, and files of plain manifests, they judged
	Documents   int // the documents of those
	// Partial documents were judged without the fields the schema
	// rejects; Unguarded ones not at all (a custom resource without its
	// CRD that runs no pods, or one a rule failed on).
	Partial, Unguarded int
	Waived             int // findings waivers exempted
	Rules              int // the rules in force
}

func (e *Evaluated) add(oc outcome) {
	switch {
	case oc.documents == 0:
	case oc.file.Format == "manifest":
		e.Files++
	default:
		e.Apps++
	}
	e.Documents += oc.documents
	e.Partial += oc.partial
	e.Unguarded += oc.unguarded
	e.Waived += len(oc.waived)
}

// String says what the guardrails evaluated, as kiln's summary line.
func (e Evaluated) String() string {
	what := report.Plural(e.Apps, "app")
	if e.Files > 0 {
		what += ", " + report.Plural(e.Files, "manifest file")
	}
	s := fmt.Sprintf("kiln: guardrails evaluated %s, %s, %s", what, report.Plural(e.Documents, "document"), report.Plural(e.Rules, "rule"))
	if e.Partial > 0 {
		s += fmt.Sprintf("; %s without the fields the schema rejects", report.Plural(e.Partial, "document"))
	}
	if e.Unguarded > 0 {
		s += fmt.Sprintf("; %s not guarded (a custom resource without its CRD that runs no pods, or one a rule failed on)", report.Plural(e.Unguarded, "document"))
	}
	if e.Waived > 0 {
		s += fmt.Sprintf("; %d waived", e.Waived)
	}
	return s
}

// collect adds up the outcomes, in input order, and, when guardrails ran,
// what they say about the run as a whole: waivers that expired or waived
// nothing, and a run with every rule disabled. Each app's computation
// recorded the repository's waivers it used and the app it considered
// into a fork of its own; they are reduced here, in one place, whether
// the outcome was computed or read from the cache.
func collect(outcomes []outcome, g *guardrails) Result {
	r := Result{Waived: diag.List{}, Files: make([]report.File, 0, len(outcomes))}
	n := 0
	for _, oc := range outcomes {
		n += len(oc.diags)
	}
	r.Diagnostics = make(diag.List, 0, n) // a thousand apps' findings, grown once
	for _, oc := range outcomes {
		r.Diagnostics = append(r.Diagnostics, oc.diags...)
		r.Files = append(r.Files, oc.file)
		r.Incomplete = r.Incomplete || oc.badInput
		r.Waived = append(r.Waived, oc.waived...)
		r.Evaluated.add(oc)
		if g != nil {
			// Considering costs path lookups per app; without waivers
			// there is nothing to consider.
			if oc.considered != "" && len(g.cfg.Waivers) > 0 {
				g.waivers.Consider(oc.considered, oc.file.Name)
			}
			for _, i := range oc.repoWaivers {
				g.waivers.MarkUsed(i)
			}
		}
	}
	if g != nil {
		r.Evaluated.Rules = len(g.rules.Rules)
		r.Diagnostics = append(r.Diagnostics, g.waivers.Check(g.rules.known, true)...)
		r.WaiversUsed = g.waivers.UsedAt()
		if len(g.rules.Rules) == 0 {
			r.Diagnostics, r.Incomplete = append(r.Diagnostics, noRules(g.cfg)), true
		}
	}
	return r
}

// forEach calls f(i) for every i below n, on up to jobs goroutines, and
// returns when all calls have. f stores its result by i, so that what the
// caller reports never depends on scheduling.
func forEach(n, jobs int, f func(i int)) {
	jobs = max(1, min(jobs, n))
	next := make(chan int)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
