{{/*
Labels shared by every object of a service. Selector labels are the stable
subset (name, instance, component) and never change between revisions.
Call with (dict "root" $ "name" SERVICE "svc" VALUES).
*/}}
{{- define "berth.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name | quote }}
app.kubernetes.io/instance: {{ .root.Release.Name | quote }}
app.kubernetes.io/component: {{ .name | quote }}
{{- end }}

{{- define "berth.labels" -}}
{{ include "berth.selectorLabels" . }}
app.kubernetes.io/managed-by: berth
{{- if .withVersion }}{{ with .svc.version }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}{{ end }}
{{- with .svc.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of app-level objects (Secrets, StorageClasses). */}}
{{- define "berth.appLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/managed-by: berth
{{- end }}

{{/*
Metadata of a service's objects. A workload (.workload) also carries its
cause (the cause of the deploy that last changed its pod template) as
kubernetes.io/change-cause: the Deployment and StatefulSet
controllers copy it to the ReplicaSet or ControllerRevision, where
kubectl rollout history reads it. It is not put on the pod template, which
would restart every pod whenever the cause changes.
*/}}
{{- define "berth.metadata" -}}
name: {{ .objName | quote }}
namespace: {{ .root.Release.Namespace | quote }}
labels:
  {{- include "berth.labels" . | nindent 2 }}
{{- $annotations := dict }}
{{- with .svc.annotations }}{{ $annotations = merge $annotations . }}{{ end }}
{{- if .workload }}{{ with .svc.changeCause }}{{ $_ := set $annotations "kubernetes.io/change-cause" . }}{{ end }}{{ end }}
{{- with $annotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The pod template shared by Deployments and StatefulSets. */}}
{{- define "berth.podTemplate" -}}
{{- $svc := .svc -}}
metadata:
  labels:
    {{- include "berth.labels" (merge (dict "withVersion" true) .) | nindent 4 }}
  {{- with $svc.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with $svc.imagePullSecrets }}
  imagePullSecrets:
    {{- range . }}
    - name: {{ . | quote }}
    {{- end }}
  {{- end }}
  {{- with $svc.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $svc.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $svc.podSecurityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: {{ .name | quote }}
      image: {{ $svc.image | quote }}
      {{- with $svc.imagePullPolicy }}
      imagePullPolicy: {{ . }}
      {{- end }}
      {{- with $svc.securityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.command }}
      command:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.args }}
      args:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.ports }}
      ports:
        {{- range . }}
        - name: {{ .name | quote }}
          containerPort: {{ .targetPort }}
          protocol: {{ .protocol }}
        {{- end }}
      {{- end }}
      {{- with $svc.env }}
      env:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.envFrom }}
      envFrom:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.livenessProbe }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.readinessProbe }}
      readinessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.startupProbe }}
      startupProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if or $svc.volumes $svc.configFiles $svc.secretFiles }}
      volumeMounts:
        {{- range $svc.volumes }}
        - name: {{ .name | quote }}
          mountPath: {{ .mountPath | quote }}
          {{- with .subPath }}
          subPath: {{ . | quote }}
          {{- end }}
          {{- if .readOnly }}
          readOnly: true
          {{- end }}
        {{- end }}
        {{- with $svc.configFiles }}
        {{- range .files }}
        - name: berth-files
          mountPath: {{ .mountPath | quote }}
          subPath: {{ .key | quote }}
          readOnly: true
        {{- end }}
        {{- end }}
        {{- with $svc.secretFiles }}
        {{- toYaml .mounts | nindent 8 }}
        {{- end }}
      {{- end }}
  {{- $claims := list }}
  {{- if not $svc.stateful }}{{ $claims = $svc.volumes }}{{ end }}
  {{- if or $claims $svc.configFiles $svc.secretFiles }}
  volumes:
    {{- range $claims }}
    - name: {{ .name | quote }}
      persistentVolumeClaim:
        claimName: {{ .claimName | quote }}
    {{- end }}
    {{- with $svc.configFiles }}
    - name: berth-files
      configMap:
        name: {{ .name | quote }}
    {{- end }}
    {{- with $svc.secretFiles }}
    - name: berth-secrets
      projected:
        sources:
          {{- toYaml .sources | nindent 10 }}
    {{- end }}
  {{- end }}
{{- end }}

{{/* The spec of a PersistentVolumeClaim or a volumeClaimTemplate. */}}
{{- define "berth.claimSpec" -}}
accessModes:
  - {{ .accessMode }}
{{- with .storageClass }}
storageClassName: {{ . | quote }}
{{- end }}
resources:
  requests:
    storage: {{ .size }}
{{- end }}
