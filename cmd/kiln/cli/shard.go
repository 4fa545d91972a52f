package cli

import (
	"fmt"

	"github.com/kilnhq/kiln/compiler/report"
	"github.com/kilnhq/kiln/workspace"
)

// shardFlag is kiln check's --shard i/n, checked when the run starts.
type shardFlag struct {
	spec  string
	shard workspace.Shard
}

// parse reads --shard, saying what is wrong with it.
func (s *shardFlag) parse(env *Env) bool {
	if s.spec == "" {
		return true
	}
	var err error
	if s.shard, err = workspace.ParseShard(s.spec); err != nil {
		fmt.Fprintf(env.Stderr, "kiln check: --shard: %v\n", err)
		return false
	}
	return true
}

// scope is what a check covered, for its JSON report: the definitions
// it checked of all it found, and its shard.
func (s *shardFlag) scope(r *workspace.CheckResult) *report.Scope {
	sc := &report.Scope{Shard: s.shard.String(), Checked: []string{}, Unaffected: []string{}, Total: r.Total}
	for _, f := range r.Files {
		sc.Checked = append(sc.Checked, f.Name)
	}
	return sc
}

// apps is how the summary counts the apps checked: "2 apps", or in a
// shard "shard 2/4: 2 of 9 apps".
func (s *shardFlag) apps(r *workspace.CheckResult) string {
	if s.shard.N == 0 {
		return report.Plural(r.Apps, "app")
	}
	return fmt.Sprintf("shard %s: %d of %s", s.shard, r.Apps, report.Plural(r.Total, "app"))
}

// empty says so when the shard holds none of the apps found: a valid
// split of fewer apps than shards, or an unlucky one, which checks
// nothing and is no failure.
func (s *shardFlag) empty(env *Env, r *workspace.CheckResult) bool {
	if s.shard.N == 0 || r.Apps > 0 || r.Total == 0 {
		return false
	}
	fmt.Fprintf(env.Stderr, "kiln check: shard %s holds none of the %s; nothing to check\n", s.shard, report.Plural(r.Total, "app"))
	return true
}
