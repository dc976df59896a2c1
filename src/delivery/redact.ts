/**
 * The delivery log keeps requests and responses for debugging but never secrets or raw PII
 * (architecture rule 12): credentials and raw identifiers are replaced, hashed values are kept
 * (they are what the platform matched on).
 */
const SECRET_HEADERS = new Set([
  'authorization',
  'access-token',
  'developer-token',
  'developertoken',
  'touchpoint-signature',
  'cookie',
]);
const REDACT_KEYS = new Set([
  'access_token',
  'accessToken',
  'secret',
  'email',
  'phone',
  'firstName',
  'lastName',
  'fullName',
  'ip',
  'client_ip_address',
  'clientIpAddress',
  'ipAddress',
  'userIpAddress',
  'city',
  'zip',
]);

export function redactHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {}))
    out[key] = SECRET_HEADERS.has(key.toLowerCase()) ? '[redacted]' : value;
  return out;
}

export function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      out[key] = REDACT_KEYS.has(key) && inner !== undefined && inner !== null ? '[redacted]' : redactValue(inner);
    }
    return out;
  }
  return value;
}

/** Query-string credentials (`?access_token=`) are cut from logged URLs too. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](access_token|token|key)=)[^&]+/gi, '$1[redacted]');
}
