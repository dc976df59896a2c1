/** Click-id parameters the pixel keeps from a landing URL (the names platforms append). */
export const CLICK_KEYS = ['fbclid', 'gclid', 'gbraid', 'wbraid', 'ttclid', 'li_fat_id', 'msclkid', 'tp_click_id'];
export const UTM_KEYS = ['source', 'medium', 'campaign', 'content', 'term', 'id'];

export interface Touch {
  /** click ids */
  c: Record<string, string>;
  /** UTMs without the `utm_` prefix */
  u: Record<string, string>;
  /** when (ms) */
  t: number;
  /** landing URL */
  l: string;
  /** referrer */
  r?: string;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/**
 * The touch a page view represents, or null when it is not a new arrival: click ids or UTMs in the URL,
 * or (on the first view of a page load) a referrer from another site.
 */
export function touchFrom(href: string, referrer: string, firstView: boolean, now: number): Touch | null {
  const params = new URL(href).searchParams;
  const c: Record<string, string> = {};
  const u: Record<string, string> = {};
  let found = false;
  for (const k of CLICK_KEYS) {
    const v = params.get(k);
    if (v) {
      c[k] = v;
      found = true;
    }
  }
  for (const k of UTM_KEYS) {
    const v = params.get(`utm_${k}`);
    if (v) {
      u[k] = v;
      found = true;
    }
  }
  const external = firstView && referrer !== '' && hostOf(referrer) !== hostOf(href);
  if (!found && !external) return null;
  const touch: Touch = { c, u, t: now, l: href };
  if (referrer !== '') touch.r = referrer;
  return touch;
}

/**
 * Meta's `_fbc` value for a new fbclid, or null to keep the existing cookie: set when there is none or
 * when the URL's fbclid differs from the one stored (the part after the last dot). Format:
 * `fb.{subdomainIndex}.{creationTimeMs}.{fbclid}` (see specs/destinations.md §1.7).
 */
export function nextFbc(existing: string | undefined, fbclid: string | undefined, now: number): string | null {
  if (!fbclid) return null;
  if (existing && existing.slice(existing.lastIndexOf('.') + 1) === fbclid) return null;
  return `fb.1.${now}.${fbclid}`;
}

/** `_fbp` = `fb.1.{creationTimeMs}.{random}`. */
export function newFbp(now: number, random: number): string {
  return `fb.1.${now}.${Math.floor(random * 9e9) + 1e9}`;
}

const SENSITIVE_PARAM = /pass|pwd|card|cvv|cvc|ssn|secret|e-?mail|phone|^tel$/i;

/** The URL with values of sensitive query parameters (a form sent by GET: password, card, email) removed. */
export function redactUrl(href: string): string {
  const url = new URL(href);
  let changed = false;
  for (const name of [...new Set(url.searchParams.keys())]) {
    if (SENSITIVE_PARAM.test(name)) {
      url.searchParams.set(name, '');
      changed = true;
    }
  }
  return changed ? url.toString() : href;
}
