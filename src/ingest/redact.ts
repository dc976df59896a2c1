/**
 * The events log keeps each payload as received, minus secrets: keys that carry credentials are
 * replaced wherever they appear. Identity tokens that are not secrets (comet_token, checkout_token)
 * stay, because users debug with them.
 */
const SECRET_KEY = /(^|_|-)(writekey|write_key|password|passwd|secret|authorization|api_?key|access_?token|token)$/i;
const NOT_SECRET = new Set(['comet_token', 'checkout_token', 'cometToken', 'checkoutToken']);

export const REDACTED = '[redacted]';

export function redactPayload(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 12) return '[truncated]';
  if (Array.isArray(value)) return value.map((item) => redactPayload(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const secret = !NOT_SECRET.has(key) && (SECRET_KEY.test(key) || key.toLowerCase() === 'writekey');
    out[key] = secret ? REDACTED : redactPayload(child, depth + 1);
  }
  return out;
}

/** JSON text of the redacted payload, cut to `max` characters so one huge request cannot bloat the log. */
export function redactedJson(value: unknown, max = 64 * 1024): string {
  const text = JSON.stringify(redactPayload(value)) ?? 'null';
  return text.length > max ? JSON.stringify({ truncated: true, head: text.slice(0, max) }) : text;
}

/** PostgreSQL text cannot hold NUL characters; log columns drop them. */
export function stripNul(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '') : text;
}
