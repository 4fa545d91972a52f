package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kilnhq/kiln/compiler/source"
)

// TestTeams: the teams block with its defaults, and each mistake at its
// line and column.
func TestTeams(t *testing.T) {
	src := `teams:
  emit: true
  headroom: 35%
  groups: {team-a: a-devs}
  external: [kube-system]
  budgets:
    team-a: {cpu: 40, memory: 64Gi}
  limitRange: {cpu: 50m}
`
	c, ds := Parse(source.NewFile(Name, []byte(src)), ".")
	if ds != nil {
		t.Fatal(ds)
	}
	tm := c.Teams
	if !tm.Emit || tm.Headroom != 35 || tm.Role != "edit" || tm.Groups["team-a"].Value != "a-devs" || len(tm.External) != 1 ||
		tm.Budgets["team-a"].CPU.Value != "40" || tm.Budgets["team-a"].Memory.Value != "64Gi" ||
		tm.LimitRange != (LimitRange{CPU: "50m", Memory: "128Mi", MemoryLimit: "256Mi"}) || tm.DenyEgress {
		t.Errorf("%+v", tm)
	}
	if line, col := tm.Budgets["team-a"].CPU.Pos.LineCol(); line != 7 || col != 19 {
		t.Errorf("budget at %d:%d", line, col)
	}
	if c, _ := Parse(source.NewFile(Name, []byte("teams: {}\n")), "."); c.Teams.Headroom != DefaultHeadroom || c.Teams.Emit {
		t.Errorf("defaults: %+v", c.Teams)
	}
	for _, c := range []struct{ src, want string }{
		{"teams: {headroom: lots}", "1:19: headroom must be a whole percentage"},
		{"teams: {headroom: 2000%}", "1:19: headroom must be a whole percentage"},
		{"teams: {budgets: {a: {cpu: -1}}}", `1:28: teams.budgets.a.cpu "-1" is not a positive quantity`},
		{"teams: {budgets: {a: {disk: 1}}}", "1:23: unknown budget field disk"},
		{"teams: {limitRange: {memory: 1x}}", `1:30: teams.limitRange.memory "1x" is not a positive quantity`},
		{"teams: {limitRange: {memoryLimit: 100Mi}}", "1:21: limitRange's default memory request 128Mi is above its default memory limit 100Mi"},
		{"teams: {limitRange: {memory: 1Gi, memoryLimit: 1Gi}, quota: 1}", "1:54: unknown teams setting quota"},
		{"teams: {emit: yes please}", "1:15: teams.emit must be true or false"},
		{"teams: {quota: 1}", "1:9: unknown teams setting quota"},
		{"teams: [1]", "1:8: teams must be a map"},
	} {
		_, ds := Parse(source.NewFile(Name, []byte(c.src+"\n")), ".")
		if len(ds) != 1 {
			t.Errorf("%s: %v", c.src, ds)
			continue
		}
		line, col := ds[0].Pos.LineCol()
		if got := fmt.Sprintf("%d:%d: %s", line, col, ds[0].Message); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s:\n got %s\nwant %s", c.src, got, c.want)
		}
	}
}
