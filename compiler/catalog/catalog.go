// Package catalog writes an app's entry for a Backstage software catalog
// (catalog-info.yaml), so that the owner, contact and SLA of every service
// are found where people already look.
package catalog

import (
	"strconv"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/compile"
)

// Annotations kiln puts on the entry.
const (
	AnnotAvailability = "kiln.dev/sla-availability"
	AnnotWindow       = "kiln.dev/sla-window"
	AnnotLatencyP     = "kiln.dev/sla-latency-" // + p50, p90, p95, p99
	AnnotContact      = "kiln.dev/contact"
	// AnnotKubernetesID names the label value Backstage's Kubernetes plugin
	// selects the app's objects by; compile puts that label on every one.
	AnnotKubernetesID = compile.LabelBackstageID
	// AnnotKubernetesNamespace narrows the plugin's search to the app's
	// namespace, when the app names one.
	AnnotKubernetesNamespace = "backstage.io/kubernetes-namespace"
)

// Entry returns a's catalog entry: a Backstage Component of the type
// componentType says.
func Entry(a *app.App) compile.Object {
	m := a.Metadata
	ann := map[string]any{AnnotKubernetesID: m.Name}
	if m.Contact != "" {
		ann[AnnotContact] = m.Contact
	}
	if m.Namespace != "" {
		ann[AnnotKubernetesNamespace] = m.Namespace
	}
	if sla := a.Spec.SLA; sla != nil {
		ann[AnnotAvailability] = strconv.FormatFloat(sla.Availability, 'f', -1, 64)
		ann[AnnotWindow] = sla.Window
		if l := sla.Latency; l != nil {
			for p, v := range map[string]string{"p50": l.P50, "p90": l.P90, "p95": l.P95, "p99": l.P99} {
				if v != "" {
					ann[AnnotLatencyP+p] = v
				}
			}
		}
	}
	meta := map[string]any{"name": m.Name, "annotations": ann}
	if m.Description != "" {
		meta["description"] = m.Description
	}
	if in := a.Spec.Ingress; in != nil && in.Host != "" {
		meta["links"] = []any{map[string]any{"url": "https://" + in.Host + in.Path, "title": in.Host}}
	}
	spec := map[string]any{"type": componentType(a), "lifecycle": m.Lifecycle, "owner": m.Owner}
	if m.System != "" {
		spec["system"] = m.System
	}
	if deps := dependsOn(a); len(deps) > 0 {
		spec["dependsOn"] = deps
	}
	return compile.Object{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Name: m.Name, Content: map[string]any{
		"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": meta, "spec": spec,
	}}
}

// componentType is the entry's spec.type, one of the types Backstage's
// documentation lists: a static site (build.language static) is a website,
// everything else kiln deploys, workers included, a service.
func componentType(a *app.App) string {
	if b := a.Spec.Build; b != nil && b.Language == "static" {
		return "website"
	}
	return "service"
}

// dependsOn are the entity references of the components a calls, once
// each. Backstage relates both entries from the caller's alone: its
// catalog processor emits dependsOn on the caller and dependencyOf on the
// callee for every reference, so the callee's entry needs no list of its
// callers (which no one definition holds).
func dependsOn(a *app.App) []any {
	var out []any
	seen := map[string]bool{}
	for _, d := range a.Spec.DependsOn {
		if ref := "component:" + d.App; !seen[ref] {
			seen[ref] = true
			out = append(out, ref)
		}
	}
	return out
}
