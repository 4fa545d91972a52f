package compile

import (
	"fmt"
	"strings"
)

// A Tier is one row of the SLA table: what an availability promise needs
// from the platform. An app with no SLA is in the first tier.
type Tier struct {
	From     float64 // the tier applies from this availability (percent) up to the next tier's
	Replicas int     // the fewest replicas that can keep the promise through one lost pod or node
	// HostSpread and ZoneSpread are the topology spread constraints' whenUnsatisfiable
	// over nodes and zones; empty means no constraint.
	HostSpread string
	ZoneSpread string
	Why        string
}

// Tiers is kiln's SLA table, ordered by From. Its reasoning: a single
// replica cannot promise 99% (a node drain or a rollout takes it down), so
// 99% needs two replicas on different nodes when possible; 99.9% (43 minutes
// a month) must survive a node loss during a rollout, so three replicas,
// never two on one node, spread over zones when possible; 99.99% (4 minutes
// a month) must survive a zone loss, so five replicas that the scheduler must
// spread over zones.
var Tiers = []Tier{
	{From: 0, Replicas: 1, Why: "best effort: one replica, no disruption budget"},
	{From: 99, Replicas: 2, HostSpread: "ScheduleAnyway",
		Why: "survives one pod or node going down; spread over nodes when possible"},
	{From: 99.9, Replicas: 3, HostSpread: "DoNotSchedule", ZoneSpread: "ScheduleAnyway",
		Why: "survives a node loss during a rollout; never two replicas on one node"},
	{From: 99.99, Replicas: 5, HostSpread: "DoNotSchedule", ZoneSpread: "DoNotSchedule",
		Why: "survives a zone loss; replicas must spread over zones"},
}

// TierFor returns the tier of an availability promise in percent; 0 means
// no promise.
func TierFor(availability float64) Tier {
	t := Tiers[0]
	for _, row := range Tiers {
		if availability >= row.From {
			t = row
		}
	}
	return t
}

// pdbFor says how a PodDisruptionBudget protects n replicas: with two, one
// must stay up; with three or more, at most one may be down at a time.
func pdbFor(n int) (minAvailable, maxUnavailable int) {
	if n >= 3 {
		return 0, 1
	}
	return 1, 0
}

// TierTable renders Tiers as a Markdown table, for docs/sla.md and `kiln
// explain spec.sla.availability`.
func TierTable() string {
	var b strings.Builder
	b.WriteString("| availability | min replicas | PodDisruptionBudget | spread over nodes | spread over zones | why |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	for i, t := range Tiers {
		span := fmt.Sprintf("≥ %g%%", t.From)
		if i == 0 {
			span = fmt.Sprintf("none, or < %g%%", Tiers[1].From)
		} else if i+1 < len(Tiers) {
			span = fmt.Sprintf("%g%% to < %g%%", t.From, Tiers[i+1].From)
		}
		pdb := "none"
		if t.Replicas > 1 {
			if minA, maxU := pdbFor(t.Replicas); maxU > 0 {
				pdb = fmt.Sprintf("maxUnavailable %d", maxU)
			} else {
				pdb = fmt.Sprintf("minAvailable %d", minA)
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s |\n", span, t.Replicas, pdb, or(t.HostSpread, "no"), or(t.ZoneSpread, "no"), t.Why)
	}
	return b.String()
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// KindTable renders what each workload kind gets beside its pods, from
// the producers compile runs, for docs/workloads.md and docs/sla.md.
func KindTable() string {
	var b strings.Builder
	b.WriteString("| kind | Service | replicas, HorizontalPodAutoscaler, PodDisruptionBudget, spread | SLO rules |\n")
	b.WriteString("| --- | --- | --- | --- |\n")
	p := producers()
	for _, k := range Kinds() {
		g := p[k.Kind].gets
		svc := "none"
		switch g.service {
		case "headless":
			svc = "headless (`clusterIP: None`), for an app with a port"
		case "ClusterIP":
			svc = "for an app with a port"
		}
		repl := "none"
		if g.replicated {
			repl = "from the SLA table and `scaling`"
		}
		slo := "none: it serves no requests"
		if g.slo {
			slo = "with an `sla`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", k.Kind, svc, repl, slo)
	}
	return b.String()
}
