{{/*
fullname names every object, as Helm charts conventionally do: the release
name when it contains the app's name (so "helm install checkout" names the
objects checkout, exactly as kiln's own manifests), else
<release>-<app>; fullnameOverride replaces it. Truncated to the 63
characters of a DNS label.
*/}}
{{- define "kiln.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Values.name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Values.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* selectorLabels select the release's own pods: the app and the release. */}}
{{- define "kiln.selectorLabels" -}}
app.kubernetes.io/name: {{ .Values.name | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{/* labels are kiln's labels of the app, and the release as the instance. */}}
{{- define "kiln.labels" -}}
{{- $labels := dict -}}
{{- include "kiln.prune" (list .Values.labels $labels) -}}
{{- $_ := set $labels "app.kubernetes.io/instance" .Release.Name -}}
{{- toYaml $labels -}}
{{- end -}}

{{/* metadata is the name, labels and annotations every object carries. */}}
{{- define "kiln.metadata" -}}
name: {{ include "kiln.fullname" . }}
{{- include "kiln.namespace" . }}
labels:
  {{- include "kiln.labels" . | nindent 2 }}
annotations:
  {{- include "kiln.toYaml" .Values.annotations | nindent 2 }}
{{- end -}}

{{- define "kiln.selector" -}}
matchLabels:
  {{- include "kiln.selectorLabels" . | nindent 2 }}
{{- end -}}

{{/*
prune copies the mapping (first of the list) into the second, without its
null entries, at every depth. values-<env>.yaml removes a key the base
values set with null, as Helm documents for values files; without pruning,
a PodDisruptionBudget that switches from minAvailable to maxUnavailable
would render minAvailable: null, which strict validators reject.
*/}}
{{- define "kiln.prune" -}}
{{- $out := index . 1 -}}
{{- range $k, $v := index . 0 -}}
{{- if kindIs "map" $v -}}
{{- $sub := dict -}}
{{- include "kiln.prune" (list $v $sub) -}}
{{- $_ := set $out $k $sub -}}
{{- else if not (kindIs "invalid" $v) -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* toYaml is toYaml of a mapping without its null entries. */}}
{{- define "kiln.toYaml" -}}
{{- $out := dict -}}
{{- include "kiln.prune" (list . $out) -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
namespace is the app's namespace (metadata.namespace), which must be the
release's: objects of one release in a namespace other than the one
helm install --namespace names would not be where helm looks for them.
*/}}
{{- define "kiln.namespace" -}}
{{- with .Values.namespace }}
{{- if ne . $.Release.Namespace }}
{{- fail (printf "this app lives in namespace %s (metadata.namespace): install it with --namespace %s" . .) }}
{{- end }}
namespace: {{ . }}
{{- end }}
{{- end -}}
