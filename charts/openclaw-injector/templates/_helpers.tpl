{{/*
Names. Every object is named after the release (or fullnameOverride), so the default
release name openclaw-injector gives the names of manifests/.
*/}}
{{- define "openclaw-injector.fullname" -}}
{{- $name := .Values.fullnameOverride | default .Release.Name -}}
{{- if gt (len $name) 53 -}}
{{- fail (printf "release name %q is longer than 53 characters; object names add up to 10 more (set fullnameOverride)" $name) -}}
{{- end -}}
{{- $name -}}
{{- end -}}

{{- define "openclaw-injector.certsName" -}}{{ include "openclaw-injector.fullname" . }}-certs{{- end -}}
{{- define "openclaw-injector.tlsSecret" -}}{{ include "openclaw-injector.fullname" . }}-tls{{- end -}}
{{- define "openclaw-injector.caSecret" -}}{{ include "openclaw-injector.fullname" . }}-ca{{- end -}}

{{- define "openclaw-injector.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/*
Labels of every object: those of manifests/ (name, component, part-of) plus the two
Helm-conventional ones. Pod templates and selectors get only selectorLabels/podLabels, so
a chart version bump does not restart pods.
Call with (dict "root" $ "component" "webhook"); component "" leaves it out.
*/}}
{{- define "openclaw-injector.labels" -}}
app.kubernetes.io/name: openclaw-injector
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
app.kubernetes.io/part-of: openclaw-injector
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "openclaw-injector.podLabels" -}}
app.kubernetes.io/name: openclaw-injector
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: openclaw-injector
{{- end -}}

{{- define "openclaw-injector.selectorLabels" -}}
app.kubernetes.io/name: openclaw-injector
app.kubernetes.io/component: webhook
{{- end -}}

{{/*
A CEL single-quoted string literal: backslash and quote escaped
(https://github.com/google/cel-spec/blob/master/doc/langdef.md#string-and-bytes-values).
*/}}
{{- define "openclaw-injector.celString" -}}
{{- printf "'%s'" (. | replace "\\" "\\\\" | replace "'" "\\'") -}}
{{- end -}}

{{/*
The engine settings the webhook configuration depends on: the value in .Values.engine,
else the engine's own default (src/settings.ts DEFAULT_ENGINE_SETTINGS; test/chart/
checks that the default render equals manifests/, whose test checks these defaults).
*/}}
{{- define "openclaw-injector.appNames" -}}
{{- toJson (.Values.engine.appNames | default (list "openclaw" "openclaw-helm")) -}}
{{- end -}}

{{- define "openclaw-injector.imagePattern" -}}
{{- .Values.engine.imagePattern | default "(^|/)openclaw/openclaw$" -}}
{{- end -}}

{{/* engine.appNames as a CEL list literal: ['openclaw', 'openclaw-helm']. */}}
{{- define "openclaw-injector.celAppNames" -}}
{{- $items := list -}}
{{- range (include "openclaw-injector.appNames" . | fromJsonArray) -}}
{{- $items = append $items (include "openclaw-injector.celString" (toString .)) -}}
{{- end -}}
[{{ join ", " $items }}]
{{- end -}}

{{- /*
engine.imagePattern as a CEL string literal of a regular expression over the whole image
reference. The engine matches imagePattern against the repository alone (tag and digest
removed); the API server's CEL sees the whole reference, so the pattern is extended:
  a leading "(^|/)" (the repository ends in this path) becomes "any registry and path
  prefix, or none"; a leading "^" (the whole repository) stays; the trailing "$" becomes
  "then an optional :tag, then an optional @digest, then the end".
The default pattern so becomes exactly the regular expression of manifests/ (test/chart/
checks it). A pattern without both anchors, or with a top-level alternation, cannot be
extended this way and is refused with one line.
*/ -}}
{{- define "openclaw-injector.celImageRegex" -}}
{{- $pattern := include "openclaw-injector.imagePattern" . -}}
{{- if not (hasSuffix "$" $pattern) -}}
{{- fail (printf "engine.imagePattern %q: must end with $ (it is matched against the end of the image repository); the chart extends it over tag and digest for the webhook's matchConditions" $pattern) -}}
{{- end -}}
{{- $core := trimSuffix "$" $pattern -}}
{{- $prefix := "" -}}
{{- if hasPrefix "(^|/)" $core -}}
{{- $prefix = "^([^@]*/)?" -}}
{{- $core = trimPrefix "(^|/)" $core -}}
{{- else if hasPrefix "^" $core -}}
{{- $prefix = "^" -}}
{{- $core = trimPrefix "^" $core -}}
{{- else -}}
{{- fail (printf "engine.imagePattern %q: must start with (^|/) (the repository ends in this path) or ^ (the whole repository), so the chart can extend it for the webhook's matchConditions" $pattern) -}}
{{- end -}}
{{- if contains "|" (regexReplaceAll "\\([^()]*\\)" $core "") -}}
{{- fail (printf "engine.imagePattern %q: an alternation (|) outside parentheses cannot be extended for the webhook's matchConditions; wrap it: (^|/)(a|b)$" $pattern) -}}
{{- end -}}
{{- include "openclaw-injector.celString" (printf "%s%s(:[^/@:]*)?(@.*)?$" $prefix $core) -}}
{{- end -}}

{{/* The certs command of the Job and the CronJob. */}}
{{- define "openclaw-injector.certsArgs" -}}
- certs
- --service
- {{ include "openclaw-injector.fullname" . }}
- --namespace
- {{ .Release.Namespace }}
- --secret
- {{ include "openclaw-injector.tlsSecret" . }}
- --patch-webhook
- {{ include "openclaw-injector.fullname" . }}
{{- end -}}

{{/* The pod template of the certs Job and CronJob (the same; a test checks it). */}}
{{- define "openclaw-injector.certsPodTemplate" -}}
metadata:
  labels:
    {{- include "openclaw-injector.podLabels" (dict "component" "certs") | nindent 4 }}
spec:
  serviceAccountName: {{ include "openclaw-injector.certsName" . }}
  automountServiceAccountToken: true
  enableServiceLinks: false
  restartPolicy: OnFailure
  securityContext:
    {{- include "openclaw-injector.podSecurityContext" . | nindent 4 }}
  containers:
    - name: certs
      image: {{ include "openclaw-injector.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        {{- include "openclaw-injector.certsArgs" . | nindent 8 }}
      resources:
        {{- toYaml .Values.certs.resources | nindent 8 }}
      securityContext:
        {{- include "openclaw-injector.containerSecurityContext" . | nindent 8 }}
{{- end -}}

{{/* Pod Security "restricted", uid 65532 as in the Dockerfile. */}}
{{- define "openclaw-injector.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "openclaw-injector.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}
