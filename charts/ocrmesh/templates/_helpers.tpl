{{/*
Shared building blocks. Every object is named after its service (gateway, detection, ...), the
same name as its folder, image, values key and OTEL_SERVICE_NAME; so one release per namespace.
Most helpers take a dict: ctx (the root context) and name (the service, also its values key).
*/}}

{{- define "ocrmesh.chart" -}}
{{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select a service's pods: (dict "ctx" $ "name" "gateway") */}}
{{- define "ocrmesh.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- end }}

{{/* Every object's labels: (dict "ctx" $ "name" "gateway" "component" "api") */}}
{{- define "ocrmesh.labels" -}}
{{ include "ocrmesh.selectorLabels" . }}
app.kubernetes.io/part-of: ocrmesh
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ include "ocrmesh.chart" .ctx }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/* An ocrmesh image: <images.repository>/<name>:<images.tag or appVersion> */}}
{{- define "ocrmesh.image" -}}
{{- $images := .ctx.Values.images -}}
{{ printf "%s/%s:%s" $images.repository .name (default .ctx.Chart.AppVersion $images.tag) }}
{{- end }}

{{/* The Secret with passwords (in-cluster PostgreSQL and RabbitMQ) or URLs (external ones). */}}
{{- define "ocrmesh.secretName" -}}
{{ default "ocrmesh-secrets" .Values.secrets.existingSecret }}
{{- end }}

{{/* Pod security context: the chart's default merged with the service's own (e.g. another uid). */}}
{{- define "ocrmesh.podSecurityContext" -}}
{{- $own := (index .ctx.Values .name).podSecurityContext | default dict -}}
{{ toYaml (merge (deepCopy $own) .ctx.Values.podSecurityContext) }}
{{- end }}

{{- define "ocrmesh.containerSecurityContext" -}}
{{ toYaml .ctx.Values.containerSecurityContext }}
{{- end }}

{{/* Where spans go: OTLP/HTTP (Jaeger all-in-one in the cluster unless tracing.otlpEndpoint says otherwise). */}}
{{- define "ocrmesh.otlpEndpoint" -}}
{{- if .Values.tracing.otlpEndpoint -}}
{{ .Values.tracing.otlpEndpoint }}
{{- else if .Values.jaeger.enabled -}}
http://jaeger:4318
{{- end -}}
{{- end }}

{{/* DATABASE_URL: built from the in-cluster PostgreSQL's password, or the external URL from the Secret. */}}
{{- define "ocrmesh.env.database" -}}
{{- $pg := .Values.postgres -}}
{{- if $pg.enabled }}
- name: POSTGRES_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ include "ocrmesh.secretName" . }}, key: postgres-password}}
- name: DATABASE_URL
  value: {{ printf "postgresql+psycopg2://%s:$(POSTGRES_PASSWORD)@postgres:5432/%s" $pg.user $pg.database | quote }}
{{- else }}
- name: DATABASE_URL
  valueFrom: {secretKeyRef: {name: {{ include "ocrmesh.secretName" . }}, key: {{ $pg.external.urlKey }}}}
{{- end }}
{{- end }}

{{/* RABBITMQ_URL: likewise for RabbitMQ. */}}
{{- define "ocrmesh.env.rabbitmq" -}}
{{- $mq := .Values.rabbitmq -}}
{{- if $mq.enabled }}
- name: RABBITMQ_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ include "ocrmesh.secretName" . }}, key: rabbitmq-password}}
- name: RABBITMQ_URL
  value: {{ printf "amqp://%s:$(RABBITMQ_PASSWORD)@rabbitmq:5672/%%2F" $mq.user | quote }}
{{- else }}
- name: RABBITMQ_URL
  valueFrom: {secretKeyRef: {name: {{ include "ocrmesh.secretName" . }}, key: {{ $mq.external.urlKey }}}}
{{- end }}
{{- end }}

{{/* A service's `env` map from values, as a list. */}}
{{- define "ocrmesh.env.extra" -}}
{{- range $key, $value := (index .ctx.Values .name).env }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/*
A Deployment of one ocrmesh service.
  (dict "ctx" $ "name" "gateway" "component" "api"
        "env" "<yaml list>" "volumes" "<yaml list>" "volumeMounts" "<yaml list>" "strategy" "Recreate")
Probes: /healthz (liveness; a startup probe allows slow model loads) and /readyz (readiness) on
port 8000. /tmp is always a writable emptyDir: the root filesystem is read-only.
*/}}
{{- define "ocrmesh.deployment" -}}
{{- $ctx := .ctx -}}
{{- $svc := index $ctx.Values .name -}}
{{- $probes := $ctx.Values.probes -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  labels:
    {{- include "ocrmesh.labels" . | nindent 4 }}
spec:
  {{- if not (and $svc.autoscaling $svc.autoscaling.enabled) }}
  replicas: {{ $svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 3
  strategy:
    type: {{ default "RollingUpdate" .strategy }}
    {{- if and (ne (default "RollingUpdate" .strategy) "Recreate") $svc.rollingUpdate }}
    rollingUpdate:
      {{- toYaml $svc.rollingUpdate | nindent 6 }}
    {{- end }}
  selector:
    matchLabels:
      {{- include "ocrmesh.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "ocrmesh.labels" . | nindent 8 }}
      annotations:
        checksum/config: {{ include (print $ctx.Template.BasePath "/configmap.yaml") $ctx | sha256sum }}
        {{- with $svc.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- with $ctx.Values.images.pullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- include "ocrmesh.podSecurityContext" . | nindent 8 }}
      terminationGracePeriodSeconds: 30
      containers:
        - name: {{ .name }}
          image: {{ include "ocrmesh.image" . }}
          imagePullPolicy: {{ $ctx.Values.images.pullPolicy }}
          ports:
            - {name: http, containerPort: 8000, protocol: TCP}
          envFrom:
            - configMapRef: {name: ocrmesh-config}
          env:
            - name: OTEL_SERVICE_NAME
              value: {{ .name }}
            {{- with .env | default "" | trim }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with include "ocrmesh.env.extra" . | trim }}
            {{- . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 5
            failureThreshold: {{ $probes.startupFailureThreshold }}
          livenessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 15
            timeoutSeconds: {{ $probes.timeoutSeconds }}
            failureThreshold: 4
          readinessProbe:
            httpGet: {path: /readyz, port: http}
            periodSeconds: 10
            timeoutSeconds: {{ $probes.timeoutSeconds }}
            failureThreshold: 3
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          securityContext:
            {{- include "ocrmesh.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
            {{- with .volumeMounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {sizeLimit: {{ $ctx.Values.tmpSizeLimit }}}
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
      {{- with $svc.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{/* The ClusterIP Service in front of a Deployment: port 8000 -> http. (dict "ctx" $ "name" "gateway" "component" "api") */}}
{{- define "ocrmesh.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  labels:
    {{- include "ocrmesh.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "ocrmesh.selectorLabels" . | nindent 4 }}
  ports:
    - {name: http, port: 8000, targetPort: http, protocol: TCP}
{{- end }}

{{/* A PersistentVolumeClaim from a `persistence` block: (dict "ctx" $ "name" "images" "owner" "image-store" "p" <persistence>) */}}
{{- define "ocrmesh.pvc" -}}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ .name }}
  labels:
    {{- include "ocrmesh.labels" (dict "ctx" .ctx "name" .owner "component" "storage") | nindent 4 }}
  annotations:
    helm.sh/resource-policy: keep
spec:
  accessModes: [{{ .p.accessMode }}]
  {{- if .p.storageClass }}
  storageClassName: {{ if eq .p.storageClass "-" }}""{{ else }}{{ .p.storageClass }}{{ end }}
  {{- end }}
  resources:
    requests:
      storage: {{ .p.size }}
{{- end }}

{{/* A HorizontalPodAutoscaler on CPU when <name>.autoscaling.enabled: (dict "ctx" $ "name" "detection" ["component" "api"]).
minReplicas defaults to the service's replicas. */}}
{{- define "ocrmesh.hpa" -}}
{{- $svc := index .ctx.Values .name -}}
{{- $a := $svc.autoscaling -}}
{{- if and $a $a.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ .name }}
  labels:
    {{- include "ocrmesh.labels" (dict "ctx" .ctx "name" .name "component" (default "model" .component)) | nindent 4 }}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: {{ .name }}}
  minReplicas: {{ $a.minReplicas | default $svc.replicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: {{ $a.targetCPUUtilizationPercentage }}}
{{- end }}
{{- end }}

{{/* NetworkPolicy: pods of `name` accept `ports` only from pods named in `from` (same namespace). */}}
{{- define "ocrmesh.allowFrom" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ .name }}
  labels:
    {{- include "ocrmesh.labels" (dict "ctx" .ctx "name" .name "component" "network-policy") | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "ocrmesh.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    - from:
        {{- range .from }}
        - podSelector:
            matchLabels:
              {{- include "ocrmesh.selectorLabels" (dict "ctx" $.ctx "name" .) | nindent 14 }}
        {{- end }}
      ports:
        {{- range .ports }}
        - {port: {{ . }}, protocol: TCP}
        {{- end }}
{{- end }}

{{/* The gateway's peers, its database (outbox, keys, ledger: the Secret's credentials) and broker. */}}
{{- define "ocrmesh.env.gateway" -}}
- {name: DETECTION_URL, value: "http://detection:8000"}
- {name: RECOGNITION_URL, value: "http://recognition:8000"}
- {name: IMAGESTORE_URL, value: "http://image-store:8000"}
- {name: REQUEST_TIMEOUT, value: {{ .Values.gateway.requestTimeoutSeconds | toString | quote }}}
{{- $auth := .Values.gateway.auth }}
- {name: AUTH_ENABLED, value: {{ $auth.enabled | quote }}}
{{- if $auth.jwtSecretKey }}
- name: JWT_SECRET
  valueFrom: {secretKeyRef: {name: {{ include "ocrmesh.secretName" . }}, key: {{ $auth.jwtSecretKey }}}}
{{- end }}
{{- with $auth.jwksUrl }}
- {name: JWKS_URL, value: {{ . | quote }}}
{{- end }}
{{- with $auth.issuer }}
- {name: JWT_ISSUER, value: {{ . | quote }}}
{{- end }}
{{- with $auth.audience }}
- {name: JWT_AUDIENCE, value: {{ . | quote }}}
{{- end }}
{{- include "ocrmesh.env.database" . }}
{{- include "ocrmesh.env.rabbitmq" . }}
{{- end }}

{{/* The image-store's database, broker and files (also the cleanup job's, which needs no broker). */}}
{{- define "ocrmesh.env.image-store" -}}
- {name: IMAGE_ROOT, value: /data/images}
- {name: RETENTION_DAYS, value: {{ (index .Values "image-store").retentionDays | toString | quote }}}
- {name: TRAINING_OWNERS, value: {{ join "," (index .Values "image-store").trainingOwners | quote }}}
{{- include "ocrmesh.env.database" . }}
{{- end }}
