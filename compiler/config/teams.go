package config

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kilnhq/kiln/compiler/fieldpath"
	"github.com/kilnhq/kiln/compiler/load"
)

// Teams is the teams block: how kiln derives each owner team's
// namespaces (package team, docs/namespaces.md).
type Teams struct {
	At   Entry // the teams key, for findings about the block itself
	Emit bool  // kiln build writes the namespaces and kiln check compares them without --emit
	// Headroom is the percentage added to the apps' sum in a ResourceQuota.
	Headroom int
	Role     string           // the ClusterRole a team's group is bound to
	Groups   map[string]Entry // owner → group
	External []Entry          // namespaces apps may use that kiln does not create
	Budgets  map[string]Budget
	// LimitRange holds the container defaults: CPU and Memory requests and
	// the MemoryLimit, as quantities.
	LimitRange LimitRange
	DenyEgress bool // the default-deny NetworkPolicy denies egress too
}

// A Budget is the most one team's apps may request in one environment;
// a zero Entry sets no bound.
type Budget struct {
	CPU, Memory Entry
}

// LimitRange is the containers' defaults in a team namespace.
type LimitRange struct {
	CPU, Memory, MemoryLimit string
}

// DefaultHeadroom is the percentage a ResourceQuota adds to the apps' sum
// when the configuration says none: room for a rollout's surge beyond
// what kiln counts, and for a debugging pod.
const DefaultHeadroom = 20

// DefaultTeams is the teams block of a configuration that has none.
func DefaultTeams() *Teams {
	return &Teams{Headroom: DefaultHeadroom, Role: "edit", Groups: map[string]Entry{}, Budgets: map[string]Budget{},
		LimitRange: LimitRange{CPU: "100m", Memory: "128Mi", MemoryLimit: "256Mi"}}
}

const teamKeys = "emit, headroom, role, groups, external, budgets, limitRange, denyEgress"

func (d *decoder) teams(fl load.Field, path []string) *Teams {
	t := DefaultTeams()
	t.At = Entry{Value: fl.Name, Pos: fl.KeyPos, End: fl.KeyEnd}
	n := fl.Value
	if n.Kind != load.Map {
		d.fail(n.Pos, n.End, path, "teams must be a map of "+teamKeys)
		return t
	}
	for _, f := range n.Fields {
		fp := append(slices.Clone(path), f.Name)
		switch f.Name {
		case "emit":
			t.Emit = d.bool(f.Value, fp)
		case "denyEgress":
			t.DenyEgress = d.bool(f.Value, fp)
		case "headroom":
			t.Headroom = d.percent(f.Value, fp)
		case "role":
			if e, ok := d.string(f.Value, fp); ok {
				t.Role = e.Value
			}
		case "groups":
			for _, g := range d.stringMap(f.Value, fp, "groups must map owner teams to group names") {
				t.Groups[g.key] = g.value
			}
		case "external":
			t.External = d.strings(f.Value, fp)
		case "budgets":
			t.Budgets = d.budgets(f.Value, fp)
		case "limitRange":
			d.limitRange(f.Value, fp, &t.LimitRange)
		default:
			d.fail(f.KeyPos, f.KeyEnd, fp, fmt.Sprintf("unknown teams setting %s (known: %s)", f.Name, teamKeys))
		}
	}
	return t
}

func (d *decoder) bool(n *load.Node, path []string) bool {
	b, ok := n.Scalar.(bool)
	if n.Kind != load.Bool || !ok {
		d.fail(n.Pos, n.End, path, fmt.Sprintf("%s must be true or false, not %s", fieldpath.String(path), n.String()))
	}
	return b
}

// percent reads a headroom such as 20% (or 20), from 0 to 1000.
func (d *decoder) percent(n *load.Node, path []string) int {
	var s string
	switch v := n.Scalar.(type) {
	case string:
		s = strings.TrimSuffix(v, "%")
	case json.Number:
		s = v.String()
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 0 || p > 1000 {
		d.fail(n.Pos, n.End, path, fmt.Sprintf("headroom must be a whole percentage from 0%% to 1000%%, such as 20%%, not %s", n.String()))
		return DefaultHeadroom
	}
	return p
}

type keyed struct {
	key   string
	value Entry
}

// stringMap reads a map of strings, in the file's order.
func (d *decoder) stringMap(n *load.Node, path []string, msg string) []keyed {
	if n.Kind != load.Map {
		d.fail(n.Pos, n.End, path, msg)
		return nil
	}
	var out []keyed
	for _, f := range n.Fields {
		if e, ok := d.string(f.Value, append(slices.Clone(path), f.Name)); ok {
			out = append(out, keyed{f.Name, e})
		}
	}
	return out
}

// quantity reads a Kubernetes quantity, such as 500m or 64Gi.
func (d *decoder) quantity(n *load.Node, path []string) (Entry, bool) {
	// An unquoted number (cpu: 40) is a quantity too.
	if num, isNum := n.Scalar.(json.Number); isNum {
		n = &load.Node{Kind: load.String, Scalar: num.String(), Pos: n.Pos, End: n.End}
	}
	e, ok := d.string(n, path)
	if !ok {
		return e, false
	}
	if q, err := resource.ParseQuantity(e.Value); err != nil || q.Sign() <= 0 {
		d.fail(e.Pos, e.End, path, fmt.Sprintf("%s %q is not a positive quantity such as 500m, 4 or 64Gi", fieldpath.String(path), e.Value))
		return e, false
	}
	return e, true
}

func (d *decoder) budgets(n *load.Node, path []string) map[string]Budget {
	out := map[string]Budget{}
	if n.Kind != load.Map {
		d.fail(n.Pos, n.End, path, "budgets must map owner teams to {cpu, memory}")
		return out
	}
	for _, team := range n.Fields {
		tp := append(slices.Clone(path), team.Name)
		if team.Value.Kind != load.Map {
			d.fail(team.Value.Pos, team.Value.End, tp, "a budget is a map with cpu and memory")
			continue
		}
		var b Budget
		for _, f := range team.Value.Fields {
			fp := append(slices.Clone(tp), f.Name)
			switch f.Name {
			case "cpu":
				b.CPU, _ = d.quantity(f.Value, fp)
			case "memory":
				b.Memory, _ = d.quantity(f.Value, fp)
			default:
				d.fail(f.KeyPos, f.KeyEnd, fp, fmt.Sprintf("unknown budget field %s (known: cpu, memory)", f.Name))
			}
		}
		out[team.Name] = b
	}
	return out
}

func (d *decoder) limitRange(n *load.Node, path []string, lr *LimitRange) {
	if n.Kind != load.Map {
		d.fail(n.Pos, n.End, path, "limitRange must be a map of cpu, memory and memoryLimit")
		return
	}
	for _, f := range n.Fields {
		fp := append(slices.Clone(path), f.Name)
		var dst *string
		switch f.Name {
		case "cpu":
			dst = &lr.CPU
		case "memory":
			dst = &lr.Memory
		case "memoryLimit":
			dst = &lr.MemoryLimit
		default:
			d.fail(f.KeyPos, f.KeyEnd, fp, fmt.Sprintf("unknown limitRange field %s (known: cpu, memory, memoryLimit)", f.Name))
			continue
		}
		if e, ok := d.quantity(f.Value, fp); ok {
			*dst = e.Value
		}
	}
	// The API server refuses a LimitRange whose default request is above
	// its default limit (ValidateLimitRange); lr holds the defaults
	// (DefaultTeams) where the file leaves a field out.
	req, lim := lr.Memory, lr.MemoryLimit
	if rq, err := resource.ParseQuantity(req); err == nil {
		if lq, err := resource.ParseQuantity(lim); err == nil && rq.Cmp(lq) > 0 {
			d.fail(n.Pos, n.End, path, fmt.Sprintf("limitRange's default memory request %s is above its default memory limit %s, which the API server refuses; raise memoryLimit or lower memory", req, lim))
		}
	}
}
