// Package waiver exempts findings from guardrails, one rule at a time, for
// a stated reason and until a date. Waivers come from an app's
// spec.waivers and from the repository's config file.
//
// A waiver that has expired no longer waives anything and is itself an
// error; one that matched no finding in a run is a warning. Both are
// reported at the waiver, so that exceptions cannot outlive their reason
// unnoticed.
package waiver

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/kilnhq/kiln/compiler/diag"
	"github.com/kilnhq/kiln/compiler/source"
)

// A Waiver exempts findings of one rule.
type Waiver struct {
	Rule         string
	Reason       string
	Expires      time.Time // the last day it holds, at midnight UTC
	Environments []string  // empty: every environment
	// Apps limits a repository-wide waiver to apps with these names or
	// definition paths (path.Match patterns); empty: every app.
	Apps     []string
	Pos, End source.Pos // where it is written
	Where    string     // "spec.waivers[0]", for messages
}

// Expired reports whether w no longer holds on day now.
func (w Waiver) Expired(now time.Time) bool {
	return now.UTC().Truncate(24 * time.Hour).After(w.Expires)
}

func (w Waiver) matches(app, file, env, rule string) bool {
	if w.Rule != rule {
		return false
	}
	if len(w.Environments) > 0 && !slices.Contains(w.Environments, env) {
		return false
	}
	return w.covers(app, file)
}

// covers reports whether w may apply to the app.
func (w Waiver) covers(app, file string) bool {
	if len(w.Apps) == 0 {
		return true
	}
	for _, p := range w.Apps {
		if ok, _ := path.Match(p, app); ok {
			return true
		}
		if ok, _ := path.Match(p, file); ok {
			return true
		}
	}
	return false
}

// A Set is the waivers in force for some apps. It records which waivers
// were used, and is safe for concurrent use.
type Set struct {
	// Root is the directory Apps patterns of definition paths are
	// relative to: the repository's. Empty: as the files are named.
	Root    string
	now     time.Time
	waivers []Waiver
	mu      sync.Mutex
	used    []bool
	scope   []bool // the waiver covers an app the run checked
}

// NewSet returns the waivers ws as of day now.
func NewSet(now time.Time, ws []Waiver) *Set {
	return &Set{now: now, waivers: ws, used: make([]bool, len(ws)), scope: make([]bool, len(ws))}
}

// Fork returns a Set of the same waivers with nothing recorded yet. One
// app's computation records into its own fork and returns what it used
// (build.Result.RepoWaivers) and which app it considered; the run reduces
// those into its Set (MarkUsed, Consider), whether the result was computed
// or read from a cache, so that no computation writes shared state.
func (s *Set) Fork() *Set {
	if s == nil {
		return nil
	}
	return &Set{Root: s.Root, now: s.now, waivers: s.waivers, used: make([]bool, len(s.waivers)), scope: make([]bool, len(s.waivers))}
}

// Consider records that the run checks app (its name and definition
// file), so that a waiver covering it that waives nothing is reported as
// unused, while a waiver for apps the run did not check is not.
func (s *Set) Consider(app, file string) {
	if s == nil {
		return
	}
	file = s.rel(file)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, w := range s.waivers {
		if w.covers(app, file) {
			s.scope[i] = true
		}
	}
}

// Waive reports whether d, a finding of the rule d.Code about app (its
// name and definition file) in environment env, is waived, and by which
// waiver's reason.
func (s *Set) Waive(app, file, env string, d diag.Diagnostic) (string, bool) {
	reason, _, ok := s.WaiveIndex(app, file, env, d)
	return reason, ok
}

// WaiveIndex is Waive, also returning the index of the waiver used.
func (s *Set) WaiveIndex(app, file, env string, d diag.Diagnostic) (string, int, bool) {
	if s == nil {
		return "", -1, false
	}
	file = s.rel(file)
	for i, w := range s.waivers {
		if w.Expired(s.now) || !w.matches(app, file, env, d.Code) {
			continue
		}
		s.mu.Lock()
		s.used[i] = true
		s.mu.Unlock()
		return w.Reason, i, true
	}
	return "", -1, false
}

// UsedAt returns where the waivers the run used are written: a run that
// checked part of the repository (a shard) hands them on, so that the
// waivers no part used can be told apart from ones another part did.
func (s *Set) UsedAt() []source.Pos {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []source.Pos
	for i, w := range s.waivers {
		if s.used[i] {
			out = append(out, w.Pos)
		}
	}
	return out
}

// MarkUsed records that waiver i was used, by a result read from the
// cache rather than computed in this run.
func (s *Set) MarkUsed(i int) {
	if s == nil || i < 0 || i >= len(s.used) {
		return
	}
	s.mu.Lock()
	s.used[i], s.scope[i] = true, true
	s.mu.Unlock()
}

// rel names file relative to s.Root, with forward slashes.
func (s *Set) rel(file string) string {
	if s.Root == "" {
		return filepath.ToSlash(file)
	}
	root, err1 := filepath.Abs(s.Root)
	abs, err2 := filepath.Abs(file)
	if r, err := filepath.Rel(root, abs); err1 == nil && err2 == nil && err == nil {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(file)
}

// acrossApps are the rules that judge a repository's apps together
// (compiler/team registers them): a repository's waiver exempts from
// them, an app's own cannot, as no one app's build sees them.
var acrossApps sync.Map

// AcrossApps records rules that judge the apps of a repository together,
// so that an app's waiver of one is told where such a waiver goes.
func AcrossApps(rules ...string) {
	for _, r := range rules {
		acrossApps.Store(r, true)
	}
}

// Check reports waivers that cannot hold: expired ones (errors), ones
// naming no known rule (errors), and, when the run is over, ones that
// covered a checked app but waived nothing (warnings).
func (s *Set) Check(known func(rule string) bool, over bool) diag.List {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ds diag.List
	for i, w := range s.waivers {
		at := func(sev diag.Severity, code, msg string) {
			ds = append(ds, diag.Diagnostic{Pos: w.Pos, End: w.End, Severity: sev, Code: code, Path: w.Where, Message: msg, Kind: diag.Finding})
		}
		switch {
		case !known(w.Rule):
			if _, across := acrossApps.Load(w.Rule); across {
				at(diag.Error, "waiver/unknown-rule", fmt.Sprintf("rule %s judges the repository's apps together, not one app: waive it in the waivers of .kiln/config.yaml (with apps: naming this one)", w.Rule))
				break
			}
			at(diag.Error, "waiver/unknown-rule", fmt.Sprintf("the waiver names rule %s, which is not a rule kiln runs; kiln rules lists them", w.Rule))
		case w.Expired(s.now):
			at(diag.Error, "waiver/expired", fmt.Sprintf("the waiver of %s expired on %s (%s); fix the finding, or renew the waiver with a new date and reason",
				w.Rule, w.Expires.Format(time.DateOnly), w.Reason))
		case over && s.scope[i] && !s.used[i]:
			at(diag.Warning, "waiver/unused", fmt.Sprintf("the waiver of %s matched no finding; remove it", w.Rule))
		}
	}
	return ds
}
