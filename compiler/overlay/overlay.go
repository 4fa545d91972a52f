// Package overlay is the environment stage: it merges one environment's
// overrides into the app, in typed Go, before the app is compiled. Because
// the merged app is compiled like any other, a value an environment changes
// needs no patching afterwards, and its origin is the override's own line.
package overlay

import (
	"maps"
	"slices"

	"github.com/kilnhq/kiln/compiler/app"
	"github.com/kilnhq/kiln/compiler/schema"
)

// Default names the one environment of an app that declares none.
const Default = "default"

// Environments returns the names of a's environments in sorted order, or
// [Default] when it declares none.
func Environments(a *app.App) []string {
	if len(a.Spec.Environments) == 0 {
		return []string{Default}
	}
	return slices.Sorted(maps.Keys(a.Spec.Environments))
}

// Apply returns a copy of a with env's overrides merged in, field by field:
// a field an override sets replaces the base value, one it leaves out keeps
// it; env, secrets, Ingress annotations and monitoring labels merge by
// name. An override of a struct the base leaves out (scaling, ingress,
// sla) starts from the schema's defaults, read from schemas/app.cue.
// The result declares no environments. a itself is not changed.
func Apply(a *app.App, env string) *app.App {
	out := *a
	out.Spec.Environments = nil
	ov, ok := a.Spec.Environments[env]
	if !ok {
		return &out
	}
	s := &out.Spec
	if ov.Image != "" {
		s.Image = ov.Image
	}
	if r := ov.Resources; r != nil {
		s.Resources = app.Resources{
			CPU:         or(r.CPU, s.Resources.CPU),
			Memory:      or(r.Memory, s.Resources.Memory),
			MemoryLimit: or(r.MemoryLimit, s.Resources.MemoryLimit),
			CPULimit:    or(r.CPULimit, s.Resources.CPULimit),
		}
	}
	if sc := ov.Scaling; sc != nil {
		var merged app.Scaling
		schema.Default("spec.scaling", &merged)
		if s.Scaling != nil {
			merged = *s.Scaling
		}
		merged.Min = orPtr(sc.Min, merged.Min)
		merged.Max = orPtr(sc.Max, merged.Max)
		if sc.CPUTarget != nil {
			merged.CPUTarget = *sc.CPUTarget
		}
		s.Scaling = &merged
	}
	if len(ov.Env) > 0 {
		s.Env = mergeMaps(s.Env, ov.Env)
	}
	if len(ov.Secrets) > 0 {
		s.Secrets = mergeMaps(s.Secrets, ov.Secrets)
	}
	if in := ov.Ingress; in != nil {
		var merged app.Ingress
		schema.Default("spec.ingress", &merged)
		if s.Ingress != nil {
			merged = *s.Ingress
		}
		merged.Host = or(in.Host, merged.Host)
		merged.Path = or(in.Path, merged.Path)
		if in.TLS != nil {
			merged.TLS = in.TLS
		}
		merged.ClassName = or(in.ClassName, merged.ClassName)
		if len(in.Annotations) > 0 {
			merged.Annotations = mergeMaps(merged.Annotations, in.Annotations)
		}
		s.Ingress = &merged
	}
	if ov.SLA != nil {
		s.SLA = mergeSLA(s.SLA, ov.SLA)
	}
	out.Metadata.Namespace = or(ov.Namespace, out.Metadata.Namespace)
	if w := ov.Workload; w != nil {
		s.Workload = mergeWorkload(s.Workload, w)
	}
	if len(ov.Volumes) > 0 {
		s.Volumes = mergeVolumes(s.Volumes, ov.Volumes)
	}
	// Lists replace: an environment's sidecars or init containers are
	// the whole list, in its order.
	if ov.Sidecars != nil {
		s.Sidecars = ov.Sidecars
	}
	if ov.InitContainers != nil {
		s.InitContainers = ov.InitContainers
	}
	if ov.ImagePullSecrets != nil {
		s.ImagePullSecrets = ov.ImagePullSecrets
	}
	if len(ov.Files) > 0 {
		s.Files = mergeMaps(s.Files, ov.Files)
	}
	if len(ov.ExternalSecrets) > 0 {
		s.ExternalSecrets = mergeMaps(s.ExternalSecrets, ov.ExternalSecrets)
	}
	return &out
}

// mergeWorkload sets the workload settings an environment gives; the kind
// is the app's in every environment.
func mergeWorkload(w app.Workload, ov *app.WorkloadOverrides) app.Workload {
	w.Schedule = or(ov.Schedule, w.Schedule)
	w.TimeZone = or(ov.TimeZone, w.TimeZone)
	w.ConcurrencyPolicy = or(ov.ConcurrencyPolicy, w.ConcurrencyPolicy)
	w.StartingDeadlineSeconds = orPtr(ov.StartingDeadlineSeconds, w.StartingDeadlineSeconds)
	w.ActiveDeadlineSeconds = orPtr(ov.ActiveDeadlineSeconds, w.ActiveDeadlineSeconds)
	w.BackoffLimit = orPtr(ov.BackoffLimit, w.BackoffLimit)
	w.Parallelism = orPtr(ov.Parallelism, w.Parallelism)
	return w
}

// mergeVolumes sets the sizes and classes an environment gives, by
// volume name; a volume the base does not declare is the check's to
// refuse (build/unknown-volume), so it is left out here.
func mergeVolumes(base map[string]app.Volume, ov map[string]app.VolumeOverrides) map[string]app.Volume {
	out := maps.Clone(base)
	for name, o := range ov {
		v, ok := out[name]
		if !ok {
			continue
		}
		v.Size = or(o.Size, v.Size)
		v.StorageClass = or(o.StorageClass, v.StorageClass)
		out[name] = v
	}
	return out
}

// mergeSLA merges an environment's SLA fields into the base SLA one by
// one, as the other overrides merge: an objective, a series or a label the
// environment does not name keeps its base value. Without a base SLA the
// schema has made the override a whole SLA, defaults included.
func mergeSLA(base *app.SLA, ov *app.SLAOverrides) *app.SLA {
	m := SLADefaults()
	if base != nil {
		m = *base
	}
	if ov.Availability != nil {
		m.Availability = *ov.Availability
	}
	m.Window = or(ov.Window, m.Window)
	if l := ov.Latency; l != nil {
		var merged app.Latency
		if m.Latency != nil {
			merged = *m.Latency
		}
		merged.P50 = or(l.P50, merged.P50)
		merged.P90 = or(l.P90, merged.P90)
		merged.P95 = or(l.P95, merged.P95)
		merged.P99 = or(l.P99, merged.P99)
		m.Latency = &merged
	}
	if x := ov.Metrics; x != nil {
		var merged app.SLIMetrics
		if m.Metrics != nil {
			merged = *m.Metrics
		}
		merged.Total = or(x.Total, merged.Total)
		merged.Errors = or(x.Errors, merged.Errors)
		merged.LatencyBucket = or(x.LatencyBucket, merged.LatencyBucket)
		m.Metrics = &merged
	}
	if mo := ov.Monitoring; mo != nil {
		if len(mo.Labels) > 0 {
			m.Monitoring.Labels = mergeMaps(m.Monitoring.Labels, mo.Labels)
		}
		m.Monitoring.Path = or(mo.Path, m.Monitoring.Path)
	}
	return &m
}

// SLADefaults is an SLA with the schema's defaults (schemas/app.cue #SLA),
// the base of an environment's SLA when the app declares none.
func SLADefaults() app.SLA {
	var sla app.SLA
	schema.Default("spec.sla", &sla)
	return sla
}

func or(v, base string) string {
	if v != "" {
		return v
	}
	return base
}

func orPtr[T any](v, base *T) *T {
	if v != nil {
		return v
	}
	return base
}

func mergeMaps[V any](base, over map[string]V) map[string]V {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]V{}
	}
	maps.Copy(out, over)
	return out
}
