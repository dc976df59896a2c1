/**
 * The Touchpoint browser pixel. Loaded by the snippet (src/pixel/snippet.ts), configured by the server
 * through `__TP__`, no dependencies. Public API, on `window.touchpoint`:
 *
 * - `touchpoint('track', name, { eventId?, value?, currency?, ...properties })` — a conversion or custom
 *   event; a server event with the same `eventId` / `idempotency_key` is the same conversion.
 * - `touchpoint('identify', { email?, phone?, firstName?, lastName?, fullName?, externalId? })`
 * - `touchpoint('page')` — a page view (automatic on load and on SPA navigation).
 * - `touchpoint('consent', false)` — stop writing identifiers (cookies, storage); `true` resumes.
 * - `touchpoint('reset')` — a new anonymous id (call on sign-out of a shared computer).
 * - `touchpoint.token()` — the first-party visitor id (the seed's cometToken()).
 * - `touchpoint.fingerprint()` — Promise of the browser fingerprint hash (the seed's cometFingerprint()).
 */
import { computeFingerprint } from './fingerprint.js';
import { type FieldLike, readFields, type Traits } from './forms.js';
import { newFbp, nextFbc, redactUrl, type Touch, touchFrom } from './touch.js';

declare const __TP__: { pixelId: string; endpoint: string; domains: string[] };

type Api = ((...args: unknown[]) => void) & {
  q?: IArguments[];
  token?: () => string;
  fingerprint?: () => Promise<string>;
};
type Win = Window & { touchpoint?: Api; dataLayer?: unknown[]; cometToken?: unknown; cometFingerprint?: unknown };

const w = window as Win;
const d = document;
const VID = '_tp_vid';
const TWO_YEARS = 63072000;
const NINETY_DAYS = 7776000;

function setCookie(text: string): void {
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing in Firefox and older Safari
  d.cookie = text;
}

function readCookie(name: string): string | undefined {
  const m = d.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
  return m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
}

let cookieDomain: string | undefined | null = null;
/** The registrable domain (`example.co.uk` for `shop.example.co.uk`): the widest one the browser accepts a cookie on. */
function rootDomain(): string | undefined {
  if (cookieDomain !== null) return cookieDomain;
  cookieDomain = undefined;
  const host = location.hostname;
  if (/^[\d.]+$|^\[|^[^.]+$/.test(host)) return cookieDomain;
  const parts = host.split('.');
  for (let i = parts.length - 2; i >= 0; i--) {
    const domain = parts.slice(i).join('.');
    setCookie(`_tp_t=1;path=/;domain=${domain};SameSite=Lax`);
    if (readCookie('_tp_t') === '1') {
      setCookie(`_tp_t=;path=/;domain=${domain};max-age=0`);
      cookieDomain = domain;
      break;
    }
  }
  return cookieDomain;
}

function writeCookie(name: string, value: string, maxAge: number): void {
  const domain = rootDomain();
  setCookie(
    `${name}=${encodeURIComponent(value)};path=/;max-age=${maxAge};SameSite=Lax` +
      (domain ? `;domain=${domain}` : '') +
      (location.protocol === 'https:' ? ';Secure' : ''),
  );
}

function store(key: string, value?: string): string | undefined {
  try {
    if (value === undefined) return localStorage.getItem(key) ?? undefined;
    if (value === '') localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // storage disabled: cookies only
  }
  return undefined;
}

function randomId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let out = 'tpv_';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16);
  return out;
}

let consent = store('_tp_consent') !== '0';
const urlNow = new URL(location.href);
const linked = urlNow.searchParams.get('_tp_vid');
let vid = readCookie(VID) ?? store(VID);
const returning = vid !== undefined;
if (vid === undefined && linked && /^[\w-]{8,64}$/.test(linked)) vid = linked;
if (vid === undefined) vid = randomId();
let traits: Traits = {};

function persist(): void {
  if (!consent) return;
  writeCookie(VID, vid as string, TWO_YEARS);
  store(VID, vid);
}
if (linked) {
  // The cross-domain hand-off parameter has done its job: drop it from the address bar.
  urlNow.searchParams.delete('_tp_vid');
  history.replaceState(history.state, '', urlNow.toString());
}

let fpValue: string | undefined;
const fpPromise = new Promise<string>((resolve) => {
  const run = () => {
    try {
      fpValue = computeFingerprint(w);
    } catch {
      fpValue = '';
    }
    resolve(fpValue);
  };
  run();
});

function readTouch(key: string): Touch | undefined {
  try {
    const raw = store(key);
    return raw ? (JSON.parse(raw) as Touch) : undefined;
  } catch {
    return undefined;
  }
}
let firstTouch = readTouch('_tp_ft');
let lastTouch = readTouch('_tp_lt');

function noteTouch(touch: Touch): void {
  lastTouch = touch;
  firstTouch = firstTouch ?? touch;
  if (!consent) return;
  store('_tp_ft', JSON.stringify(firstTouch));
  store('_tp_lt', JSON.stringify(touch));
  const fbc = nextFbc(readCookie('_fbc'), touch.c.fbclid, touch.t);
  if (fbc !== null) writeCookie('_fbc', fbc, NINETY_DAYS);
}

function send(name: string, props: Record<string, unknown>, referrer: string): void {
  const { eventId, value, currency, ...properties } = props;
  if (consent && !readCookie('_fbp')) writeCookie('_fbp', newFbp(Date.now(), Math.random()), NINETY_DAYS);
  const body = {
    pixelId: __TP__.pixelId,
    consent,
    visitorId: consent ? vid : undefined,
    fingerprint: consent ? fpValue : undefined,
    returning,
    traits,
    cookies: consent ? { fbp: readCookie('_fbp'), fbc: readCookie('_fbc'), ttp: readCookie('_ttp') } : {},
    clickIds: lastTouch?.c ?? {},
    utm: lastTouch?.u ?? {},
    firstTouch: firstTouch
      ? { at: firstTouch.t, landingUrl: firstTouch.l, clickIds: firstTouch.c, utm: firstTouch.u }
      : undefined,
    events: [
      {
        eventId: typeof eventId === 'string' && eventId !== '' ? eventId : randomId().replace('tpv_', 'tpe_'),
        name,
        url: redactUrl(location.href),
        referrer,
        title: d.title,
        value: typeof value === 'number' ? value : undefined,
        currency: typeof currency === 'string' ? currency : undefined,
        properties,
      },
    ],
  };
  const url = `${__TP__.endpoint}/collect?pixelId=${encodeURIComponent(__TP__.pixelId)}`;
  const data = JSON.stringify(body);
  try {
    if (navigator.sendBeacon?.(url, new Blob([data], { type: 'text/plain' }))) return;
  } catch {
    // fall through to fetch
  }
  fetch(url, {
    method: 'POST',
    body: data,
    keepalive: true,
    credentials: 'omit',
    headers: { 'content-type': 'text/plain' },
  }).catch(() => {});
}

/** Waits for the fingerprint (computed synchronously at start, so this is at most a microtask). */
function beacon(name: string, props: Record<string, unknown>, referrer: string): void {
  if (fpValue !== undefined) send(name, props, referrer);
  else void fpPromise.then(() => send(name, props, referrer));
}

let lastView: string | undefined;
let viewReferrer = d.referrer;
function page(): void {
  const href = redactUrl(location.href.split('#')[0] as string);
  if (href === lastView) return;
  const firstView = lastView === undefined;
  const referrer = firstView ? d.referrer : (lastView as string);
  viewReferrer = referrer;
  lastView = href;
  const touch = touchFrom(href, d.referrer, firstView, Date.now());
  if (touch !== null) noteTouch(touch);
  beacon('PageView', firstView && returning ? { returning: true } : {}, referrer);
}

function forget(): void {
  for (const name of [VID, '_fbp', '_fbc']) writeCookie(name, '', 0);
  for (const key of [VID, '_tp_ft', '_tp_lt']) store(key, '');
}

const api: Api = function touchpoint(...args: unknown[]): void {
  const [command, a, b] = args;
  if (command === 'track' && typeof a === 'string') beacon(a, (b as Record<string, unknown>) ?? {}, viewReferrer);
  else if (command === 'page') {
    lastView = undefined;
    page();
  } else if (command === 'identify' && a && typeof a === 'object') traits = { ...traits, ...(a as Traits) };
  else if (command === 'consent') {
    consent = a !== false;
    store('_tp_consent', consent ? '' : '0');
    if (consent) persist();
    else forget();
  } else if (command === 'reset') {
    forget();
    vid = randomId();
    traits = {};
    firstTouch = undefined;
    lastTouch = undefined;
    persist();
  }
};
api.token = () => vid as string;
api.fingerprint = () => fpPromise;

const queued = w.touchpoint?.q ?? [];
w.touchpoint = api;
w.cometToken = api.token;
w.cometFingerprint = api.fingerprint;

// SPA navigation: exactly one page view per distinct URL (hash changes are not views).
for (const method of ['pushState', 'replaceState'] as const) {
  const original = history[method];
  history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
    original.apply(this, args);
    page();
  };
}
w.addEventListener('popstate', page);

d.addEventListener(
  'submit',
  (event) => {
    const form = event.target as HTMLFormElement | null;
    if (!form || form.hasAttribute?.('data-touchpoint-ignore')) return;
    const found = readFields(form.elements as unknown as ArrayLike<FieldLike>);
    if (!found.email && !found.phone) return;
    traits = { ...traits, ...found };
    beacon('LeadCaptured', { form: form.id || form.getAttribute('name') || undefined, auto: true }, viewReferrer);
  },
  true,
);

// Cross-domain: links to the workspace's other domains carry the visitor id.
d.addEventListener(
  'click',
  (event) => {
    const link = (event.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
    if (!link || !consent || link.hostname === location.hostname) return;
    const host = link.hostname;
    if (__TP__.domains.some((domain) => host === domain || host.endsWith(`.${domain}`))) {
      const target = new URL(link.href);
      target.searchParams.set('_tp_vid', vid as string);
      link.href = target.toString();
    }
  },
  true,
);

// Consent and identity calls queued before the script loaded apply before anything is written or sent.
const early = (args: IArguments) => args[0] === 'consent' || args[0] === 'identify';
for (const args of queued) if (early(args)) api(...Array.from(args));
persist();
page();
for (const args of queued) if (!early(args)) api(...Array.from(args));
void fpPromise.then((fingerprint) => {
  // Tag managers forward these with their own tags (the seed's "fingerprint data layer").
  if (Array.isArray(w.dataLayer) && consent) {
    w.dataLayer.push({ event: 'touchpoint.ready', touchpointToken: vid, touchpointFingerprint: fingerprint });
  }
});
