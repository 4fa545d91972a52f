package helm

import (
	"bytes"
	"encoding/json"
	"maps"
)

// A valuesKey is one top-level key of the chart's values: what Values
// writes, or what the chart reads besides (fullnameOverride).
type valuesKey struct {
	name   string
	schema map[string]any
}

// valuesKeys describes every top-level value. A value that values-<env>.yaml can
// remove, or that an app may lack, admits null: Helm keeps a null that
// removes a key the chart's defaults do not set, and the chart renders
// none.
var valuesKeys = []valuesKey{
	{"name", str("The app's name (metadata.name of its kiln definition): the app.kubernetes.io/name label, the container's name, and part of the objects' names.", "pattern", `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, "maxLength", 63)},
	{"fullnameOverride", str("Names every object instead of the release name (or <release>-<name> when the release name does not contain the app's name).")},
	{"labels", strMap("Labels of every object and pod, as kiln sets them. The chart adds app.kubernetes.io/instance, the release name.")},
	{"annotations", strMap("Annotations of every object and pod, as kiln sets them.")},
	{"podAnnotations", strMap("Further annotations of the pods.")},
	{"image", str("The container image, with a pinned tag or digest.", "minLength", 1)},
	{"containerPort", typed([]string{"integer", "null"}, "The first port of the app's container: spec.port, or the first of spec.ports for an app with protocol none; null for a container without a port, which then has no Service (unless a sidecar has a port) and no NetworkPolicy ingress rule.", "minimum", 1, "maximum", 65535)},
	{"portName", typed([]string{"string", "null"}, "containerPort's name: the app's protocol (http, grpc, tcp), or the name in spec.ports.")},
	{"env", list("The container's environment variables (Kubernetes EnvVar objects).")},
	{"resources", obj("The container's resource requests and limits (a Kubernetes ResourceRequirements).")},
	{"livenessProbe", nullableObj("The container's liveness probe (a Kubernetes Probe); null for none.")},
	{"readinessProbe", nullableObj("The container's readiness probe (a Kubernetes Probe); null for none.")},
	{"securityContext", obj("The container's securityContext.")},
	{"podSecurityContext", obj("The pod's securityContext.")},
	{"restartPolicy", typed([]string{"string", "null"}, "The pods' restartPolicy: Never for a Job's or a CronJob's; null for the kind's default.", "enum", []any{"Always", "OnFailure", "Never", nil})},
	{"volumeMounts", list("The container's volume mounts (Kubernetes VolumeMount objects): /tmp, and a StatefulSet's disks.")},
	{"workload", closed("The object that runs the pods: its kind and its own settings.", []string{"kind"}, map[string]any{
		"kind":    str("The workload's kind.", "enum", []string{"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}),
		"spec":    obj("The workload's own spec fields beside its pod template, selector, replicas and serviceName (a StatefulSet's podManagementPolicy and volumeClaimTemplates, a Job's backoffLimit, a CronJob's schedule...)."),
		"jobSpec": nullableObj("A CronJob's Job spec fields beside its pod template (backoffLimit, activeDeadlineSeconds...); null for other kinds."),
	})},
	{"serviceClusterIP", typed([]string{"string", "null"}, "None for a headless Service (a StatefulSet's); null for a virtual IP.")},
	{"serviceAccount", closed("The app's ServiceAccount.", nil, map[string]any{
		"automountServiceAccountToken": typed([]string{"boolean"}, "Whether pods mount the ServiceAccount's API token."),
	})},
	{"replicas", typed([]string{"integer"}, "Replicas, when autoscaling is null.", "minimum", 0)},
	{"topologySpreadConstraints", list("How the pods spread over nodes and zones (Kubernetes TopologySpreadConstraints); the chart sets each labelSelector to the release's pods.")},
	{"podDisruptionBudget", nullable(closed("The PodDisruptionBudget's minAvailable or maxUnavailable; null for none. values-<env>.yaml switches between them by setting the other to null.", nil, map[string]any{
		"minAvailable":   typed([]string{"integer", "string", "null"}, "Pods that must stay available during a voluntary disruption."),
		"maxUnavailable": typed([]string{"integer", "string", "null"}, "Pods that may be unavailable during a voluntary disruption."),
	}))},
	{"autoscaling", nullable(closed("The HorizontalPodAutoscaler; null for none (then replicas applies).", []string{"minReplicas", "maxReplicas", "targetCPUUtilizationPercentage"}, map[string]any{
		"minReplicas":                    typed([]string{"integer"}, "The fewest replicas.", "minimum", 1),
		"maxReplicas":                    typed([]string{"integer"}, "The most replicas.", "minimum", 1),
		"targetCPUUtilizationPercentage": typed([]string{"integer"}, "The average CPU use, in percent of the request, the autoscaler aims for.", "minimum", 1, "maximum", 100),
	}))},
	{"ingress", nullable(closed("The Ingress; null for none.", []string{"host"}, map[string]any{
		"host":        str("The DNS name the app is reached at.", "minLength", 1),
		"path":        str("The URL path prefix routed to the app."),
		"className":   typed([]string{"string", "null"}, "The IngressClass that serves the Ingress (spec.ingressClassName)."),
		"annotations": strMap("The Ingress's own annotations, for its controller or cert-manager."),
		"tls": nullable(closed("Serves the host over HTTPS with the certificate in a Secret.", []string{"secretName"}, map[string]any{
			"secretName": str("The Secret holding the host's certificate and key.", "minLength", 1),
		})),
	}))},
	{"extraPorts", nullableList("The app container's ports beside containerPort (Kubernetes ContainerPorts): spec.ports.")},
	{"extraServicePorts", nullableList("The Service's ports beside containerPort's (Kubernetes ServicePorts): spec.ports and the sidecars' ports.")},
	{"startupProbe", nullableObj("The container's startup probe (a Kubernetes Probe); null for none.")},
	{"lifecycle", nullableObj("The container's lifecycle: the preStop sleep that drains it (spec.shutdown.drainSeconds); null for none.")},
	{"terminationGracePeriodSeconds", typed([]string{"integer", "null"}, "How long a pod may take to stop (spec.shutdown.gracePeriodSeconds); null for Kubernetes' default.", "minimum", 0)},
	{"imagePullSecrets", nullableList("The pod's imagePullSecrets (Kubernetes LocalObjectReferences).")},
	{"initContainers", nullableList("The pod's init containers (Kubernetes Containers): the native sidecars, then the init containers.")},
	{"sidecars", nullableList("Containers beside the app's (Kubernetes Containers): the sidecars, where Kubernetes runs no native ones.")},
	{"namespace", typed([]string{"string", "null"}, "The app's namespace (metadata.namespace); the chart refuses a release in another one. null: the release's.")},
	{"networkPolicyEgress", nullableList("The NetworkPolicy's egress rules (spec.dependsOn): the callees, DNS and the internet; null leaves egress open.")},
	{"admissions", typed([]string{"array"}, "The NetworkPolicies that admit the app at the apps it calls (spec.dependsOn), one per callee.", "items", closed("One callee.", []string{"callee", "ports"}, map[string]any{
		"callee":            str("The callee's name, which its pods are labelled with.", "minLength", 1),
		"namespace":         typed([]string{"string", "null"}, "The callee's namespace; null: the release's."),
		"ports":             list("The ports called (NetworkPolicyPorts)."),
		"namespaceSelector": nullableObj("Which namespaces the app's pods are admitted from; absent: the callee's own."),
	}))},
	{"networkPolicyIngress", nullableList("The NetworkPolicy's ingress rules, when they are more than one rule that opens containerPort to every source.")},
	{"files", nullable(closed("The ConfigMap of the app's files (spec.files) and where they are mounted; null for none.", []string{"hash", "mounts"}, map[string]any{
		"hash":       str("The content hash that ends the ConfigMap's name (<fullname>-<hash>), as kustomize's configMapGenerator computes it.", "minLength", 1),
		"data":       strMap("The text files, by key."),
		"binaryData": strMap("The binary files, base64-encoded, by key."),
		"mounts": typed([]string{"array"}, "Where each key is mounted, read-only, in the container.", "items", closed("A file's mount.", []string{"mountPath", "subPath"}, map[string]any{
			"mountPath": str("The file's absolute path in the container.", "minLength", 1),
			"subPath":   str("The file's key in the ConfigMap.", "minLength", 1),
		})),
	}))},
	{"externalSecrets", typed([]string{"object"}, "The ExternalSecrets (external-secrets.io/v1), by the name of the Secret each creates: their specs.", "additionalProperties", map[string]any{"type": []string{"object", "null"}})},
	{"prometheusRule", nullable(closed("The PrometheusRule with the SLO rules; null for none.", []string{"groups"}, map[string]any{
		"labels": strMap("Labels the Prometheus operator selects rules by (sla.monitoring.labels), beside kiln's own."),
		"groups": list("The rule groups."),
	}))},
	{"serviceMonitor", nullable(closed("The ServiceMonitor that scrapes the app for its SLO series; null for none.", []string{"endpoints"}, map[string]any{
		"labels":    strMap("Labels the Prometheus operator selects monitors by (sla.monitoring.labels), beside kiln's own."),
		"endpoints": list("The endpoints scraped, with the relabelings that add kiln_app and kiln_env."),
	}))},
}

// ValuesSchema returns the chart's values.schema.json: what Helm checks
// values against before it renders (helm install, upgrade, template and
// lint). The chart embeds it; a test keeps the two equal.
func ValuesSchema() ([]byte, error) {
	props := map[string]any{}
	for _, k := range valuesKeys {
		props[k.name] = k.schema
	}
	s := map[string]any{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"title":                "Values of kiln's generic chart",
		"description":          "kiln build writes them (helm/values.yaml and helm/values-<env>.yaml) from an app definition; change the definition rather than the values.",
		"type":                 "object",
		"required":             []string{"name", "image"},
		"properties":           props,
		"additionalProperties": false,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // <env> stays readable
	enc.SetIndent("", "  ")
	err := enc.Encode(s)
	return buf.Bytes(), err
}

func typed(types []string, desc string, kv ...any) map[string]any {
	s := map[string]any{"description": desc}
	if len(types) == 1 {
		s["type"] = types[0]
	} else {
		s["type"] = types
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s[kv[i].(string)] = kv[i+1]
	}
	return s
}

func str(desc string, kv ...any) map[string]any { return typed([]string{"string"}, desc, kv...) }

func obj(desc string) map[string]any { return typed([]string{"object"}, desc) }

func nullableObj(desc string) map[string]any { return typed([]string{"object", "null"}, desc) }

func list(desc string) map[string]any {
	return typed([]string{"array"}, desc, "items", map[string]any{"type": "object"})
}

// nullableList is a list of objects that values-<env>.yaml can remove.
func nullableList(desc string) map[string]any {
	return typed([]string{"array", "null"}, desc, "items", map[string]any{"type": "object"})
}

// strMap is a mapping of strings; a null value removes a key in
// values-<env>.yaml.
func strMap(desc string) map[string]any {
	return typed([]string{"object"}, desc, "additionalProperties", map[string]any{"type": []string{"string", "null"}})
}

// closed is an object with only the given properties.
func closed(desc string, required []string, props map[string]any) map[string]any {
	s := typed([]string{"object"}, desc, "properties", props, "additionalProperties", false)
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// nullable admits null besides s's type.
func nullable(s map[string]any) map[string]any {
	out := maps.Clone(s)
	out["type"] = []string{s["type"].(string), "null"}
	return out
}
