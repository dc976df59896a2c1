import { type Static, Type } from 'typebox';
import type { AppContext } from '../context/context.js';
import { AppError } from '../errors/codes.js';
import type { ClickIds, UserData, Utm } from '../events/stored-event.js';
import { type AcceptOutcome, accept, type IngestInput } from '../ingest/accept.js';
import { getWorkspaceByPixelId, type Workspace } from '../workspaces/workspaces.js';

const Str = (max = 2048) => Type.String({ maxLength: max });
const StrMap = Type.Record(Type.String(), Type.String({ maxLength: 512 }));

/** What the pixel POSTs to `/collect` (as text/plain JSON, so browsers send it without a preflight). */
export const Beacon = Type.Object({
  pixelId: Str(64),
  consent: Type.Optional(Type.Boolean()),
  visitorId: Type.Optional(Str(128)),
  fingerprint: Type.Optional(Str(128)),
  returning: Type.Optional(Type.Boolean()),
  traits: Type.Optional(
    Type.Object({
      email: Type.Optional(Str(320)),
      phone: Type.Optional(Str(64)),
      firstName: Type.Optional(Str(200)),
      lastName: Type.Optional(Str(200)),
      fullName: Type.Optional(Str(200)),
      externalId: Type.Optional(Str(200)),
    }),
  ),
  cookies: Type.Optional(
    Type.Object({ fbp: Type.Optional(Str(256)), fbc: Type.Optional(Str(512)), ttp: Type.Optional(Str(256)) }),
  ),
  clickIds: Type.Optional(StrMap),
  utm: Type.Optional(StrMap),
  firstTouch: Type.Optional(Type.Unknown()),
  events: Type.Array(
    Type.Object({
      eventId: Str(128),
      name: Str(200),
      url: Type.Optional(Str(4096)),
      referrer: Type.Optional(Str(4096)),
      title: Type.Optional(Str(1024)),
      value: Type.Optional(Type.Number()),
      currency: Type.Optional(Str(8)),
      properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
    { minItems: 1, maxItems: 20 },
  ),
});
export type Beacon = Static<typeof Beacon>;

const CLICK_KEYS: ReadonlyArray<keyof ClickIds> = [
  'fbclid',
  'gclid',
  'gbraid',
  'wbraid',
  'ttclid',
  'li_fat_id',
  'msclkid',
  'tp_click_id',
];
const UTM_KEYS: ReadonlyArray<keyof Utm> = ['source', 'medium', 'campaign', 'content', 'term', 'id'];

function pick<K extends string>(
  from: Record<string, string> | undefined,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = from?.[key];
    if (typeof value === 'string' && value !== '') out[key] = value;
  }
  return out;
}

/** True when a beacon from `origin` may feed this workspace: its host is an allowed domain or a subdomain of one. */
export function originAllowed(origin: string | undefined, domains: readonly string[]): boolean {
  if (origin === undefined || domains.length === 0) return true;
  let host: string;
  try {
    host = new URL(origin).hostname.toLowerCase();
  } catch {
    return false;
  }
  return domains.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

export interface BeaconMeta {
  ip: string;
  userAgent: string | undefined;
  requestId: string;
}

/**
 * Maps one beacon to ingest inputs. The pixel's `eventId` is the dedup key verbatim, exactly like the
 * capture API's `eventId` and the Cometly API's `idempotency_key`, so a browser Purchase and a server
 * Purchase with the same id are one conversion. Without consent the beacon carries no identifiers and
 * its events are stored for counting only: no person, never forwarded.
 */
export function beaconInputs(beacon: Beacon, meta: BeaconMeta): IngestInput[] {
  const consent = beacon.consent !== false;
  const userData: UserData = {};
  if (consent) {
    Object.assign(userData, beacon.traits ?? {});
    if (beacon.visitorId) userData.visitorId = beacon.visitorId;
    if (beacon.fingerprint) userData.fingerprint = beacon.fingerprint;
    userData.ip = meta.ip;
    if (meta.userAgent !== undefined) userData.userAgent = meta.userAgent.slice(0, 1024);
    if (beacon.cookies?.fbp) userData.fbp = beacon.cookies.fbp;
    if (beacon.cookies?.fbc) userData.fbc = beacon.cookies.fbc;
    if (beacon.cookies?.ttp) userData.ttp = beacon.cookies.ttp;
  }
  const clickIds = pick(beacon.clickIds, CLICK_KEYS);
  const utm = pick(beacon.utm, UTM_KEYS);
  return beacon.events.map((event) => {
    const properties: Record<string, unknown> = { ...(event.properties ?? {}) };
    if (event.title) properties.pageTitle = event.title;
    if (beacon.returning) properties.returningVisitor = true;
    if (beacon.firstTouch !== undefined && beacon.firstTouch !== null) properties.firstTouch = beacon.firstTouch;
    const input: IngestInput = {
      surface: 'pixel',
      source: 'pixel',
      name: event.name,
      dedupKey: event.eventId,
      userData: { ...userData },
      clickIds: { ...clickIds },
      context: {
        ...(event.url === undefined ? {} : { pageUrl: event.url }),
        ...(event.referrer ? { referrer: event.referrer } : {}),
        utm: { ...utm },
      },
      properties,
      doNotForward: !consent,
      fields: { name: 'events.name', dedupKey: 'events.eventId', value: 'events.value', currency: 'events.currency' },
    };
    if (event.value !== undefined) input.value = event.value;
    if (event.currency !== undefined) input.currency = event.currency;
    return input;
  });
}

interface CacheEntry {
  value: Promise<Workspace | undefined>;
  until: number;
}
const PIXEL_CACHE = new WeakMap<AppContext, Map<string, CacheEntry>>();

/** The workspace a pixel id belongs to, cached for a second (beacons arrive on every page view). */
export function workspaceForPixel(ctx: AppContext, pixelId: string): Promise<Workspace | undefined> {
  let cache = PIXEL_CACHE.get(ctx);
  if (cache === undefined) {
    cache = new Map();
    PIXEL_CACHE.set(ctx, cache);
  }
  const now = Date.now();
  const hit = cache.get(pixelId);
  if (hit !== undefined && hit.until > now) return hit.value;
  if (cache.size > 10_000) cache.clear();
  const value = getWorkspaceByPixelId(ctx.storage.db, pixelId);
  cache.set(pixelId, { value, until: now + 1000 });
  return value;
}

export type CollectOutcome =
  | { status: 'stored'; workspace: Workspace; outcomes: AcceptOutcome[] }
  | { status: 'rejected'; workspace: Workspace; error: AppError };

/** `POST /collect`: checks the pixel id and the page's origin, then feeds the beacon to ingest. */
export async function collectBeacon(
  ctx: AppContext,
  beacon: Beacon,
  meta: BeaconMeta & { origin: string | undefined },
): Promise<CollectOutcome> {
  const workspace = await workspaceForPixel(ctx, beacon.pixelId);
  if (workspace === undefined)
    throw new AppError('not_found', `no workspace has the pixel ${beacon.pixelId}`, 'pixelId');
  if (!originAllowed(meta.origin, workspace.allowedDomains)) {
    throw new AppError('forbidden', `${meta.origin} is not one of this workspace's pixel domains`, 'origin');
  }
  const outcomes = await accept(ctx, workspace, beaconInputs(beacon, meta), {
    requestId: meta.requestId,
    deferrable: true,
  });
  const rejected = outcomes.find((o) => o.status === 'rejected');
  if (rejected !== undefined && rejected.status === 'rejected') {
    return { status: 'rejected', workspace, error: rejected.error };
  }
  return { status: 'stored', workspace, outcomes };
}
