// Package team derives, from the apps of a repository, the namespaces each
// owner team needs: per environment, a Namespace labelled with the owner,
// a ResourceQuota sized from the team's apps (requests and limits × their
// most replicas, plus a headroom), a LimitRange with container defaults,
// a RoleBinding of the team's group and a default-deny NetworkPolicy that
// the apps' own policies open. It also judges the apps together: every
// app's namespace is created or declared external, no namespace is shared
// by two teams, and a team's apps fit its budget.
//
// It works across apps, where every other output is per app: Measure
// takes from one app's build what the team output needs (an App, small
// and serialisable, so that a cached build keeps it), and Plan joins the
// Apps of a run. Findings are diag.Wire, in the apps' files, for the
// caller to resolve.
package team
