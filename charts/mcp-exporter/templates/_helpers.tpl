{{/* The chart's name. */}}
{{- define "mcp-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the objects: the release name if it holds the chart's name,
else <release>-<chart>, cut to the 63 characters of a DNS label.
*/}}
{{- define "mcp-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mcp-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mcp-exporter.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{- define "mcp-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mcp-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mcp-exporter.labels" -}}
helm.sh/chart: {{ include "mcp-exporter.chart" . }}
{{ include "mcp-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- if .Values.releaseLabel }}
release: {{ .Release.Name }}
{{- end }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "mcp-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mcp-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "mcp-exporter.image" -}}
{{- with (.Values.global.imageRegistry | default .Values.image.registry) }}{{ . }}/{{ end }}
{{- .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- with .Values.image.digest }}@{{ . }}{{ end }}
{{- end }}

{{- define "mcp-exporter.configReloader.image" -}}
{{- with (.Values.global.imageRegistry | default .Values.configReloader.image.registry) }}{{ . }}/{{ end }}
{{- .Values.configReloader.image.repository }}:{{ .Values.configReloader.image.tag }}
{{- with .Values.configReloader.image.digest }}@{{ . }}{{ end }}
{{- end }}

{{/* The configuration file as the exporter reads it. */}}
{{- define "mcp-exporter.configFile" -}}
{{- printf "%s/mcp_exporter.yml" (.Values.configDir | trimSuffix "/") }}
{{- end }}

{{/* The rendered configuration, from values.config. */}}
{{- define "mcp-exporter.configText" -}}
{{- toYaml .Values.config }}
{{- end }}

{{/* The name of the Secret with the credential files, "" if none. */}}
{{- define "mcp-exporter.credentialsSecretName" -}}
{{- if .Values.credentials.existingSecret }}
{{- .Values.credentials.existingSecret }}
{{- else if .Values.credentials.files }}
{{- printf "%s-credentials" (include "mcp-exporter.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* The route prefix from --web.route-prefix in extraArgs, without a trailing slash. */}}
{{- define "mcp-exporter.routePrefix" -}}
{{- range .Values.extraArgs }}
{{- if hasPrefix "--web.route-prefix=" . }}
{{- trimPrefix "--web.route-prefix=" . | trimSuffix "/" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The paths of credentials written inline in a configuration (value, path),
one per line: the keys prometheus/common keeps as secrets (bearer_token,
credentials, password, client_secret, an inline TLS key, http_headers
secrets, proxy_connect_header values, the tracing block's headers) and a
password in a proxy_url. Such a
configuration must not be rendered into a ConfigMap.
*/}}
{{- define "mcp-exporter.inlineCredentials" -}}
{{- $path := .path }}
{{- if kindIs "map" .value }}
{{- range $k, $v := .value }}
{{- $at := printf "%s.%s" $path $k }}
{{- if and $v (has $k (list "bearer_token" "credentials" "password" "client_secret" "key" "secrets")) }}
{{ $at }}
{{- else if and (eq $k "proxy_connect_header") $v }}
{{ $at }}
{{- else if and (eq $at "config.tracing.headers") $v }}
{{ $at }}
{{- else if and (eq $k "proxy_url") (kindIs "string" $v) (regexMatch "://[^/@]*:[^/@]*@" $v) }}
{{ $at }}
{{- else }}
{{- include "mcp-exporter.inlineCredentials" (dict "value" $v "path" $at) }}
{{- end }}
{{- end }}
{{- else if kindIs "slice" .value }}
{{- range $i, $v := .value }}
{{- include "mcp-exporter.inlineCredentials" (dict "value" $v "path" (printf "%s[%d]" $path $i)) }}
{{- end }}
{{- end }}
{{- end }}
