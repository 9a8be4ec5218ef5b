// Kubernetes and DNS name rules (RFC 1123, lowercase), one place for all of them.
const LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?'
const DNS_LABEL = new RegExp(`^${LABEL}$`)
const DNS_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`)
const DNS_NAME = new RegExp(`^(\\*\\.)?${LABEL}(\\.${LABEL})*$`)

/** A container, Service or namespace name: one label of at most 63 characters. */
export function isDnsLabel(value: string): boolean {
  return DNS_LABEL.test(value)
}

/** A Secret, ConfigMap or webhook configuration name: dot-separated labels, at most 253 characters. */
export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && DNS_SUBDOMAIN.test(value)
}

/** A DNS name for a certificate: a subdomain, optionally with a leading `*.` wildcard. */
export function isDnsName(value: string): boolean {
  return value.length <= 253 && DNS_NAME.test(value)
}
