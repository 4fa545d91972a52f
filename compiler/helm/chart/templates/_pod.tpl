{{/*
pod is the pod template of the app's workload, whatever its kind (kiln's
compile builds it once, too): the labels and annotations of every object,
and the pod spec.
*/}}
{{- define "kiln.pod" -}}
metadata:
  labels:
    {{- include "kiln.labels" . | nindent 4 }}
  annotations:
    {{- include "kiln.toYaml" (merge (dict) (.Values.podAnnotations | default dict) (.Values.annotations | default dict)) | nindent 4 }}
spec:
  serviceAccountName: {{ include "kiln.fullname" . }}
  automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
  {{- with .Values.restartPolicy }}
  restartPolicy: {{ . }}
  {{- end }}
  {{- if not (kindIs "invalid" .Values.terminationGracePeriodSeconds) }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  {{- end }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.initContainers }}
  initContainers:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.podSecurityContext }}
  securityContext:
    {{- include "kiln.toYaml" . | nindent 4 }}
  {{- end }}
  containers:
    - name: {{ .Values.name }}
      image: {{ .Values.image | quote }}
      {{- if or .Values.containerPort .Values.extraPorts }}
      ports:
        {{- if .Values.containerPort }}
        - name: {{ .Values.portName }}
          containerPort: {{ .Values.containerPort }}
          protocol: TCP
        {{- end }}
        {{- with .Values.extraPorts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      {{- with .Values.env }}
      env:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.resources }}
      resources:
        {{- include "kiln.toYaml" . | nindent 8 }}
      {{- end }}
      {{- with .Values.livenessProbe }}
      livenessProbe:
        {{- include "kiln.toYaml" . | nindent 8 }}
      {{- end }}
      {{- with .Values.readinessProbe }}
      readinessProbe:
        {{- include "kiln.toYaml" . | nindent 8 }}
      {{- end }}
      {{- with .Values.startupProbe }}
      startupProbe:
        {{- include "kiln.toYaml" . | nindent 8 }}
      {{- end }}
      {{- with .Values.lifecycle }}
      lifecycle:
        {{- include "kiln.toYaml" . | nindent 8 }}
      {{- end }}
      {{- with .Values.securityContext }}
      securityContext:
        {{- include "kiln.toYaml" . | nindent 8 }}
      {{- end }}
      volumeMounts:
        {{- toYaml .Values.volumeMounts | nindent 8 }}
    {{- with .Values.sidecars }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  volumes:
    - name: tmp
      emptyDir: {}
    {{- /* The files' mounts are among volumeMounts, as kiln's container has them. */}}
    {{- with .Values.files }}
    - name: files
      configMap:
        name: {{ include "kiln.fullname" $ }}-{{ .hash }}
    {{- end }}
  {{- /* Each constraint counts the release's own pods. */}}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- range . }}
    - {{- include "kiln.toYaml" (merge (dict) . (dict "labelSelector" (include "kiln.selector" $ | fromYaml))) | nindent 6 }}
    {{- end }}
  {{- end }}
{{- end -}}
