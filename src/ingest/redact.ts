/**
 * The events log keeps each payload as received, minus secrets: keys that carry credentials are
 * replaced wherever they appear. Identity tokens that are not secrets (comet_token, checkout_token)
 * stay, because users debug with them.
 */
const SECRET_KEY = /(^|_|-)(writekey|write_key|password|passwd|secret|authorization|api_?key|access_?token|token)$/i;
const NOT_SECRET = new Set(['comet_token', 'checkout_token', 'cometToken', 'checkoutToken']);

export const REDACTED = '[redacted]';

const MAX_DEPTH = 12;

/** Per key name: is it a secret? Field names repeat across requests; the cache is capped. */
const SECRET_BY_KEY = new Map<string, boolean>();

function isSecretKey(key: string): boolean {
  let secret = SECRET_BY_KEY.get(key);
  if (secret === undefined) {
    secret = !NOT_SECRET.has(key) && (SECRET_KEY.test(key) || key.toLowerCase() === 'writekey');
    if (SECRET_BY_KEY.size < 10_000) SECRET_BY_KEY.set(key, secret);
  }
  return secret;
}

export function redactPayload(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.map((item) => redactPayload(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = isSecretKey(key) ? REDACTED : redactPayload(child, depth + 1);
  }
  return out;
}

/** True when redactPayload would return an equal value (no secret key, nothing too deep). */
function needsNoRedaction(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!needsNoRedaction(item, depth + 1)) return false;
    return true;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (isSecretKey(key) || !needsNoRedaction((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** JSON text of the redacted payload, cut to `max` characters so one huge request cannot bloat the log. */
export function redactedJson(value: unknown, max = 64 * 1024): string {
  // Most payloads carry no secret: they are written as they are instead of copied first (hot path).
  const text = JSON.stringify(needsNoRedaction(value) ? value : redactPayload(value)) ?? 'null';
  return text.length > max ? JSON.stringify({ truncated: true, head: text.slice(0, max) }) : text;
}

/** PostgreSQL text cannot hold NUL characters; log columns drop them. */
export function stripNul(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '') : text;
}
