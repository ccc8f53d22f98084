{{/* Chart name, truncated to a DNS label. */}}
{{- define "liveroll.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name prefix of every resource: <release>-<chart name> unless overridden. */}}
{{- define "liveroll.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of one component's resources. Usage: include "liveroll.componentName" (list . "web") */}}
{{- define "liveroll.componentName" -}}
{{- printf "%s-%s" (include "liveroll.fullname" (index . 0)) (index . 1) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "liveroll.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of one component. Usage: include "liveroll.selectorLabels" (list . "web") */}}
{{- define "liveroll.selectorLabels" -}}
{{- $ctx := index . 0 -}}
app.kubernetes.io/name: {{ include "liveroll.name" $ctx }}
app.kubernetes.io/instance: {{ $ctx.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/* Standard labels of one component. Usage: include "liveroll.labels" (list . "web") */}}
{{- define "liveroll.labels" -}}
{{- $ctx := index . 0 -}}
helm.sh/chart: {{ include "liveroll.chart" $ctx }}
{{ include "liveroll.selectorLabels" . }}
app.kubernetes.io/version: {{ $ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $ctx.Release.Service }}
app.kubernetes.io/part-of: liveroll
{{- end }}

{{- define "liveroll.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "liveroll.configMapName" -}}
{{- include "liveroll.componentName" (list . "config") }}
{{- end }}

{{/* The ConfigMap the migrate hook Job reads: the hook copy. */}}
{{- define "liveroll.migrateConfigMapName" -}}
{{- include "liveroll.componentName" (list . "migrate-config") }}
{{- end }}

{{- define "liveroll.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- include "liveroll.fullname" . }}
{{- end }}
{{- end }}

{{/* The ServiceAccount pods run as; "" means the namespace's default. */}}
{{- define "liveroll.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "liveroll.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The ServiceAccount the migrate hook Job runs as: the hook copy when the chart creates one. */}}
{{- define "liveroll.migrateServiceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- printf "%s-migrate" (include "liveroll.serviceAccountName" .) | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the migrate hook Job reads: existingSecret, else the chart's hook copy. */}}
{{- define "liveroll.migrateSecretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- include "liveroll.componentName" (list . "migrate") }}
{{- end }}
{{- end }}

{{/* Data of the chart's Secret and of its migrate hook copy. */}}
{{- define "liveroll.secretData" -}}
{{- $s := .Values.secrets -}}
DJANGO_SECRET_KEY: {{ required "secrets.djangoSecretKey is required (or set existingSecret)" $s.djangoSecretKey | quote }}
LIVEROLL_ENCRYPTION_KEYS: {{ required "secrets.encryptionKeys is required (or set existingSecret)" $s.encryptionKeys | quote }}
DATABASE_URL: {{ required "secrets.databaseUrl is required (or set existingSecret)" $s.databaseUrl | quote }}
REDIS_URL: {{ required "secrets.redisUrl is required (or set existingSecret)" $s.redisUrl | quote }}
{{- with $s.ipHashKey }}
LIVEROLL_IP_HASH_KEY: {{ . | quote }}
{{- end }}
{{- with $s.emailHostPassword }}
EMAIL_HOST_PASSWORD: {{ . | quote }}
{{- end }}
{{- with $s.channelsRedisUrls }}
CHANNELS_REDIS_URLS: {{ . | quote }}
{{- end }}
{{- end }}

{{/*
Checksum of the configuration every pod reads (ConfigMap, chart Secret or the name of the
existing one), so that pods roll when it changes.
*/}}
{{- define "liveroll.configChecksum" -}}
{{- $config := include (print .Template.BasePath "/configmap.yaml") . -}}
{{- $secret := include (print .Template.BasePath "/secret.yaml") . -}}
{{- printf "%s\n---\n%s\n---\nexistingSecret=%s" $config $secret .Values.existingSecret | sha256sum }}
{{- end }}

{{/*
The parts every pod template shares. Usage: include "liveroll.podSpecCommon" .
*/}}
{{- define "liveroll.podSpecCommon" -}}
{{- include "liveroll.podSpecCommonAs" (list . (include "liveroll.serviceAccountName" .)) }}
{{- end }}

{{/*
The same, running as the named ServiceAccount (the migrate Job runs as its hook copy).
Usage: include "liveroll.podSpecCommonAs" (list . "account-name")
*/}}
{{- define "liveroll.podSpecCommonAs" -}}
{{- $serviceAccountName := index . 1 -}}
{{- with index . 0 -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if $serviceAccountName }}
serviceAccountName: {{ $serviceAccountName }}
{{- end }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountToken }}
enableServiceLinks: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}
{{- end }}

{{/*
The parts every container shares: image, environment, security context, /tmp.
*/}}
{{- define "liveroll.containerCommon" -}}
{{- include "liveroll.containerCommonReading" (list . (include "liveroll.configMapName" .) (include "liveroll.secretName" .)) }}
{{- end }}

{{/*
The same, reading the environment from the named ConfigMap and Secret (the migrate Job reads
its copies). Usage: include "liveroll.containerCommonReading" (list . "config-name" "secret-name")
*/}}
{{- define "liveroll.containerCommonReading" -}}
{{- $configMapName := index . 1 -}}
{{- $secretName := index . 2 -}}
{{- with index . 0 -}}
image: {{ include "liveroll.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
envFrom:
  - configMapRef:
      name: {{ $configMapName }}
  - secretRef:
      name: {{ $secretName }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end }}
{{- end }}

{{/*
HorizontalPodAutoscaler of one component's Deployment, when its autoscaling is enabled.
Usage: include "liveroll.hpa" (list . "web" .Values.web.autoscaling)
*/}}
{{- define "liveroll.hpa" -}}
{{- $ctx := index . 0 -}}
{{- $component := index . 1 -}}
{{- $a := index . 2 -}}
{{- if $a.enabled -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "liveroll.componentName" (list $ctx $component) }}
  labels:
    {{- include "liveroll.labels" (list $ctx $component) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "liveroll.componentName" (list $ctx $component) }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
{{- end }}
{{- end }}

{{/*
PodDisruptionBudget of one component, when enabled.
Usage: include "liveroll.pdb" (list . "web" .Values.web.pdb)
*/}}
{{- define "liveroll.pdb" -}}
{{- $ctx := index . 0 -}}
{{- $component := index . 1 -}}
{{- $p := index . 2 -}}
{{- if $p.enabled -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "liveroll.componentName" (list $ctx $component) }}
  labels:
    {{- include "liveroll.labels" (list $ctx $component) | nindent 4 }}
spec:
  maxUnavailable: {{ $p.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "liveroll.selectorLabels" (list $ctx $component) | nindent 6 }}
{{- end }}
{{- end }}

{{/*
NetworkPolicy of one component, when networkPolicy.enabled. Ingress: the web pods' port, from
networkPolicy.ingressFrom and from the chart's `helm test` pod; with metrics.enabled, the web
and worker pods' metrics port from networkPolicy.metricsFrom; nothing else. Egress:
DNS, PostgreSQL and Redis for all (the scheduler reads the tenants from PostgreSQL to fan jobs
out per tenant, and claims job slots in Redis); HTTPS to the outside (Zoom, calendar providers,
the recording summariser) and SMTP for web and worker only.
Usage: include "liveroll.networkPolicy" (list . "web")
*/}}
{{- define "liveroll.networkPolicy" -}}
{{- $ctx := index . 0 -}}
{{- $component := index . 1 -}}
{{- $np := $ctx.Values.networkPolicy -}}
{{- if $np.enabled -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "liveroll.componentName" (list $ctx $component) }}
  labels:
    {{- include "liveroll.labels" (list $ctx $component) | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "liveroll.selectorLabels" (list $ctx $component) | nindent 6 }}
  policyTypes: ["Ingress", "Egress"]
  {{- $metrics := and $ctx.Values.metrics.enabled (ne $component "scheduler") }}
  {{- if or (eq $component "web") $metrics }}
  ingress:
    {{- if $metrics }}
    # the scraper (networkPolicy.metricsFrom; none listed: from anywhere), the metrics port only
    - ports:
        - protocol: TCP
          port: {{ $ctx.Values.metrics.port }}
      {{- with $np.metricsFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
  {{- end }}
  {{- if eq $component "web" }}
    # the ingress controller (networkPolicy.ingressFrom; none listed: from anywhere)
    - ports:
        - protocol: TCP
          port: {{ $ctx.Values.web.port }}
      {{- with $np.ingressFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    # the `helm test` pod (templates/tests/)
    - ports:
        - protocol: TCP
          port: {{ $ctx.Values.web.port }}
      from:
        - podSelector:
            matchLabels:
              {{- include "liveroll.selectorLabels" (list $ctx "test") | nindent 14 }}
  {{- else if not $metrics }}
  ingress: []
  {{- end }}
  egress:
    - ports:
        - protocol: UDP
          port: {{ $np.dns.port }}
        - protocol: TCP
          port: {{ $np.dns.port }}
      {{- with $np.dns.to }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    - ports:
        - protocol: TCP
          port: {{ $np.postgresql.port }}
      {{- with $np.postgresql.to }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    - ports:
        - protocol: TCP
          port: {{ $np.redis.port }}
      {{- with $np.redis.to }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- if ne $component "scheduler" }}
    - ports:
        {{- range $np.external.ports }}
        - protocol: TCP
          port: {{ . }}
        {{- end }}
      {{- with $np.external.to }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    - ports:
        - protocol: TCP
          port: {{ $ctx.Values.config.emailPort }}
      {{- with $np.smtp.to }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
{{- end }}
{{- end }}

{{/* Data of the ConfigMap and of its migrate hook copy. */}}
{{- define "liveroll.configData" -}}
{{- $c := .Values.config -}}
{{- $allowedHosts := $c.allowedHosts | default (list .Values.baseDomain (printf ".%s" .Values.baseDomain)) -}}
LIVEROLL_BASE_DOMAIN: {{ .Values.baseDomain | quote }}
LIVEROLL_PUBLIC_URL_SCHEME: {{ $c.publicUrlScheme | quote }}
LIVEROLL_PUBLIC_PORT: {{ $c.publicPort | toString | quote }}
DJANGO_ALLOWED_HOSTS: {{ join "," $allowedHosts | quote }}
DJANGO_CSRF_TRUSTED_ORIGINS: {{ join "," $c.csrfTrustedOrigins | quote }}
DJANGO_SECURE_COOKIES: {{ ternary "1" "0" $c.secureCookies | quote }}
DJANGO_HSTS_SECONDS: {{ $c.hstsSeconds | int64 | toString | quote }}
CHANNELS_CAPACITY: {{ $c.channelsCapacity | toString | quote }}
WEBSOCKET_CONNECT_TIMEOUT: {{ $c.websocketConnectTimeout | toString | quote }}
CHANNELS_PREFIX: {{ $c.channelsPrefix | quote }}
DRAMATIQ_NAMESPACE: {{ $c.dramatiqNamespace | quote }}
DATABASE_POOL: {{ ternary "1" "0" $c.databasePool | quote }}
DATABASE_POOL_MIN: {{ $c.databasePoolMin | toString | quote }}
DATABASE_POOL_MAX: {{ $c.databasePoolMax | toString | quote }}
DATABASE_POOL_MAX_LIFETIME: {{ $c.databasePoolMaxLifetime | toString | quote }}
LIVEROLL_SPARE_SCHEMAS: {{ $c.spareSchemas | toString | quote }}
LIVEROLL_SCHEDULE_YEARS_AHEAD: {{ $c.scheduleYearsAhead | toString | quote }}
LIVEROLL_TRUSTED_PROXIES: {{ $c.trustedProxies | toString | quote }}
LIVEROLL_SIGNIN_MAX_FAILURES: {{ $c.signinMaxFailures | toString | quote }}
LIVEROLL_SIGNIN_MAX_FAILURES_PER_IP: {{ $c.signinMaxFailuresPerIp | toString | quote }}
LIVEROLL_SIGNIN_LOCKOUT_MINUTES: {{ $c.signinLockoutMinutes | toString | quote }}
LIVEROLL_JOIN_ATTEMPTS_PER_TOKEN: {{ $c.joinAttemptsPerToken | toString | quote }}
LIVEROLL_JOIN_FAILURES_PER_IP: {{ $c.joinFailuresPerIp | toString | quote }}
LIVEROLL_JOIN_THROTTLE_MINUTES: {{ $c.joinThrottleMinutes | toString | quote }}
LIVEROLL_JOIN_ZOOM_MAX_WAIT_SECONDS: {{ $c.joinZoomMaxWaitSeconds | toString | quote }}
LIVEROLL_SIGNUPS_PER_IP_PER_HOUR: {{ $c.signupsPerIpPerHour | toString | quote }}
LIVEROLL_ABANDONED_SIGNUP_DAYS: {{ $c.abandonedSignupDays | toString | quote }}
LIVEROLL_API_TOKEN_DAYS: {{ $c.apiTokenDays | toString | quote }}
LIVEROLL_API_TOKENS_PER_USER: {{ $c.apiTokensPerUser | toString | quote }}
LIVEROLL_WEBHOOK_BODY_RETENTION_DAYS: {{ $c.webhookBodyRetentionDays | toString | quote }}
LIVEROLL_TRANSCRIPT_MAX_BYTES: {{ $c.transcriptMaxBytes | toString | quote }}
LIVEROLL_ZOOM_URL_RETENTION_DAYS: {{ $c.zoomUrlRetentionDays | toString | quote }}
LIVEROLL_AUDIT_RETENTION_DAYS: {{ $c.auditRetentionDays | toString | quote }}
LIVEROLL_EXPORT_EXPIRY_HOURS: {{ $c.exportExpiryHours | toString | quote }}
EMAIL_HOST: {{ $c.emailHost | quote }}
EMAIL_PORT: {{ $c.emailPort | toString | quote }}
EMAIL_HOST_USER: {{ $c.emailHostUser | quote }}
EMAIL_USE_TLS: {{ ternary "1" "0" $c.emailUseTls | quote }}
EMAIL_USE_SSL: {{ ternary "1" "0" $c.emailUseSsl | quote }}
EMAIL_TIMEOUT: {{ $c.emailTimeout | toString | quote }}
DEFAULT_FROM_EMAIL: {{ $c.defaultFromEmail | default (printf "no-reply@%s" .Values.baseDomain) | quote }}
LIVEROLL_MAIL_MAX_ATTEMPTS: {{ $c.mailMaxAttempts | toString | quote }}
LIVEROLL_MAIL_RETRY_SECONDS: {{ $c.mailRetrySeconds | toString | quote }}
LIVEROLL_EMAIL_CONFIRM_HOURS: {{ $c.emailConfirmHours | toString | quote }}
LIVEROLL_EMAIL_CONFIRM_RESENDS_PER_HOUR: {{ $c.emailConfirmResendsPerHour | toString | quote }}
LIVEROLL_INVITATION_DAYS: {{ $c.invitationDays | toString | quote }}
LIVEROLL_PASSWORD_RESET_MAX_PER_EMAIL: {{ $c.passwordResetMaxPerEmail | toString | quote }}
LIVEROLL_PASSWORD_RESET_MAX_PER_IP: {{ $c.passwordResetMaxPerIp | toString | quote }}
LIVEROLL_PASSWORD_RESET_WINDOW_MINUTES: {{ $c.passwordResetWindowMinutes | toString | quote }}
LIVEROLL_REMINDER_MAX_LATENESS_MINUTES: {{ $c.reminderMaxLatenessMinutes | toString | quote }}
LOG_FORMAT: {{ $c.logFormat | quote }}
LOG_LEVEL: {{ $c.logLevel | quote }}
PORT: {{ .Values.web.port | toString | quote }}
WORKER_PROCESSES: {{ .Values.worker.processes | toString | quote }}
WORKER_THREADS: {{ .Values.worker.threads | toString | quote }}
WORKER_IDLE_POLL_MS: {{ .Values.worker.idlePollMs | toString | quote }}
METRICS_ENABLED: {{ ternary "1" "0" .Values.metrics.enabled | quote }}
METRICS_PORT: {{ .Values.metrics.port | toString | quote }}
{{- range $name, $value := $c.extraEnv }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/*
The metrics Service of web or worker, which a ServiceMonitor scrapes (only with
metrics.serviceMonitor.enabled: nothing else needs it). ClusterIP, whatever web.service.type.
Usage: include "liveroll.metricsService" (list . "web")
*/}}
{{- define "liveroll.metricsService" -}}
{{- $ctx := index . 0 -}}
{{- $component := index . 1 -}}
{{- if and $ctx.Values.metrics.enabled $ctx.Values.metrics.serviceMonitor.enabled -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "liveroll.componentName" (list $ctx (printf "%s-metrics" $component)) }}
  labels:
    {{- include "liveroll.labels" (list $ctx $component) | nindent 4 }}
    liveroll/metrics: "true"
spec:
  type: ClusterIP
  selector:
    {{- include "liveroll.selectorLabels" (list $ctx $component) | nindent 4 }}
  ports:
    - name: metrics
      port: {{ $ctx.Values.metrics.port }}
      targetPort: metrics
      protocol: TCP
{{- end }}
{{- end }}
