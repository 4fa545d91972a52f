{{/* metadata is the name, labels and annotations every object carries. */}}
{{- define "kiln.metadata" -}}
name: {{ .Values.name }}
labels:
  {{- toYaml .Values.labels | nindent 2 }}
annotations:
  {{- toYaml .Values.annotations | nindent 2 }}
{{- end -}}

{{- define "kiln.selector" -}}
matchLabels:
  app.kubernetes.io/name: {{ .Values.name }}
{{- end -}}
