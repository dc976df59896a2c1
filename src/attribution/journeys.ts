import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { Conversion, Touch, TouchSource } from './engine.js';
import { toMajor } from './money.js';

/**
 * A columnar, in-memory copy of a workspace's journeys: every touch as typed-array columns grouped by
 * person (CSR layout, sorted by time), every event as columns, strings interned. Reports then scan
 * memory instead of millions of rows. The copy is rebuilt when a cheap fingerprint of the workspace's
 * data changes (row counts, latest receipt, merges), so answers are always current.
 */
export class JourneyStore {
  readonly personIds: string[] = [];
  /** touchStart[p]..touchStart[p+1] are person p's touches, sorted by time. */
  touchStart = new Int32Array(1);
  touchAt = new Float64Array(0);
  touchChannel = new Uint16Array(0);
  touchPlatform = new Uint16Array(0);
  touchKind = new Uint16Array(0);
  touchObject = new Int32Array(0);
  readonly strings: string[] = [];
  readonly objects: Array<Pick<Touch, 'campaignId' | 'campaignName' | 'adsetId' | 'adsetName' | 'adId' | 'adName'>> =
    [];
  eventId: string[] = [];
  eventName = new Uint16Array(0);
  eventPerson = new Int32Array(0);
  eventAt = new Float64Array(0);
  eventReceived = new Float64Array(0);
  eventValue = new Float64Array(0);
  private readonly personIndex = new Map<string, number>();
  private readonly stringIndex = new Map<string, number>();
  private readonly objectIndex = new Map<string, number>();

  constructor(readonly fingerprint: string) {}

  person(id: string): number {
    let i = this.personIndex.get(id);
    if (i === undefined) {
      i = this.personIds.length;
      this.personIds.push(id);
      this.personIndex.set(id, i);
    }
    return i;
  }

  personOf(id: string): number | undefined {
    return this.personIndex.get(id);
  }

  intern(value: string): number {
    let i = this.stringIndex.get(value);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(value);
      this.stringIndex.set(value, i);
    }
    return i;
  }

  object(o: JourneyStore['objects'][number]): number {
    const key = [o.campaignId, o.campaignName, o.adsetId, o.adsetName, o.adId, o.adName].join('\u0000');
    let i = this.objectIndex.get(key);
    if (i === undefined) {
      i = this.objects.length;
      this.objects.push(o);
      this.objectIndex.set(key, i);
    }
    return i;
  }

  touchesOf(person: number): Touch[] {
    const out: Touch[] = [];
    const end = this.touchStart[person + 1] ?? 0;
    for (let k = this.touchStart[person] ?? 0; k < end; k++) {
      const o = this.objects[this.touchObject[k] as number] as JourneyStore['objects'][number];
      out.push({
        at: this.touchAt[k] as number,
        channel: this.strings[this.touchChannel[k] as number] as string,
        platform: this.strings[this.touchPlatform[k] as number] as string,
        kind: this.strings[this.touchKind[k] as number] as string,
        ...o,
      });
    }
    return out;
  }

  /** The touches as the engine reads them: built per person on demand. */
  touchSource(): TouchSource {
    const store = this;
    return {
      get(personId: string) {
        const p = store.personOf(personId);
        return p === undefined ? undefined : store.touchesOf(p);
      },
      *entries() {
        for (let p = 0; p < store.personIds.length; p++) {
          if ((store.touchStart[p + 1] as number) > (store.touchStart[p] as number)) {
            yield [store.personIds[p] as string, store.touchesOf(p)] as [string, readonly Touch[]];
          }
        }
      },
      *channelPaths(from: number, to: number, skip: ReadonlySet<string>) {
        for (let p = 0; p < store.personIds.length; p++) {
          const end = store.touchStart[p + 1] as number;
          let path: string[] | null = null;
          for (let k = store.touchStart[p] as number; k < end; k++) {
            const at = store.touchAt[k] as number;
            if (at < from || at >= to) continue;
            if (path === null) {
              if (skip.has(store.personIds[p] as string)) break;
              path = [];
            }
            path.push(store.strings[store.touchChannel[k] as number] as string);
          }
          if (path !== null) yield path;
        }
      },
    };
  }

  /**
   * Conversions of the named events before `to`, with new-customer and first-purchase flags computed
   * over all history; only those at or after `from` are returned.
   */
  conversions(names: readonly string[], from: number, to: number): Conversion[] {
    const wanted = new Set(names.map((n) => this.stringIndex.get(n)).filter((i) => i !== undefined));
    const purchase = this.stringIndex.get('Purchase');
    const seen = new Uint8Array(this.personIds.length);
    const out: Conversion[] = [];
    for (let e = 0; e < this.eventAt.length; e++) {
      const name = this.eventName[e] as number;
      if (!wanted.has(name)) continue;
      const at = this.eventAt[e] as number;
      if (at >= to) continue;
      const p = this.eventPerson[e] as number;
      const flags = p === -1 ? 0 : (seen[p] as number);
      const isNew = (flags & 1) === 0;
      const isFirstPurchase = name === purchase && (flags & 2) === 0;
      if (p !== -1) seen[p] = flags | 1 | (name === purchase ? 2 : 0);
      if (at < from) continue;
      out.push({
        id: this.eventId[e] as string,
        personId: p === -1 ? null : (this.personIds[p] as string),
        at,
        receivedAt: this.eventReceived[e] as number,
        name: this.strings[name] as string,
        value: this.eventValue[e] as number,
        isNew,
        isFirstPurchase,
      });
    }
    return out;
  }
}

const PAGE = 50_000;

async function fingerprintOf(db: Kysely<Database>, workspaceId: string): Promise<string> {
  const [events, touches, merges] = await Promise.all([
    db
      .selectFrom('events')
      .select([sql<number>`count(*)`.as('n'), sql<number>`max(received_at)`.as('r')])
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst(),
    db
      .selectFrom('touchpoints')
      .select(sql<number>`count(*)`.as('n'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst(),
    db
      .selectFrom('people')
      .select([sql<number>`count(*)`.as('n'), sql<number>`max(updated_at)`.as('u')])
      .where('workspace_id', '=', workspaceId)
      .where('merged_into', 'is not', null)
      .executeTakeFirst(),
  ]);
  return [events?.n, events?.r, touches?.n, merges?.n, merges?.u].map((v) => String(v ?? '')).join('/');
}

/** Growable typed column. */
class Column<T extends Float64Array | Int32Array | Uint16Array> {
  length = 0;
  constructor(private data: T) {}
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new (this.data.constructor as new (n: number) => T)(Math.max(1024, this.data.length * 2));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  get(i: number): number {
    return this.data[i] as number;
  }
  done(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

async function build(db: Kysely<Database>, workspaceId: string, currency: string, fingerprint: string) {
  const store = new JourneyStore(fingerprint);
  const merged = await db
    .selectFrom('people')
    .select(['person_id', 'merged_into'])
    .where('workspace_id', '=', workspaceId)
    .where('merged_into', 'is not', null)
    .execute();
  const parent = new Map(merged.map((r) => [r.person_id, r.merged_into as string]));
  const root = (id: string) => {
    let current = id;
    for (let hops = 0; hops < 64; hops++) {
      const next = parent.get(current);
      if (next === undefined || next === current) break;
      current = next;
    }
    return current;
  };

  // Touches, paged by primary key so memory stays flat, then grouped by person (counting sort).
  const person = new Column(new Int32Array(1024));
  const at = new Column(new Float64Array(1024));
  const channel = new Column(new Uint16Array(1024));
  const platform = new Column(new Uint16Array(1024));
  const kind = new Column(new Uint16Array(1024));
  const object = new Column(new Int32Array(1024));
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('touchpoints')
      .select([
        'touchpoint_id',
        'person_id',
        'occurred_at',
        'channel',
        'platform',
        'kind',
        'campaign_id',
        'campaign_name',
        'adset_id',
        'adset_name',
        'ad_id',
        'ad_name',
      ])
      .where('workspace_id', '=', workspaceId)
      .where('touchpoint_id', '>', after)
      .orderBy('touchpoint_id')
      .limit(PAGE)
      .execute();
    for (const r of rows) {
      if (r.person_id === null) continue;
      person.push(store.person(root(r.person_id)));
      at.push(Number(r.occurred_at));
      channel.push(store.intern(r.channel));
      platform.push(store.intern(r.platform));
      kind.push(store.intern(r.kind));
      object.push(
        store.object({
          campaignId: r.campaign_id,
          campaignName: r.campaign_name,
          adsetId: r.adset_id,
          adsetName: r.adset_name,
          adId: r.ad_id,
          adName: r.ad_name,
        }),
      );
    }
    const last = rows[rows.length - 1];
    if (rows.length < PAGE || last === undefined) break;
    after = last.touchpoint_id;
  }

  // Events (every name: reports pick theirs), paged the same way.
  const eventIds: string[] = [];
  const eName = new Column(new Uint16Array(1024));
  const ePerson = new Column(new Int32Array(1024));
  const eAt = new Column(new Float64Array(1024));
  const eReceived = new Column(new Float64Array(1024));
  const eValue = new Column(new Float64Array(1024));
  after = '';
  for (;;) {
    const rows = await db
      .selectFrom('events')
      .select(['event_id', 'person_id', 'name', 'occurred_at', 'received_at', 'value_minor', 'currency'])
      .where('workspace_id', '=', workspaceId)
      .where('event_id', '>', after)
      .orderBy('event_id')
      .limit(PAGE)
      .execute();
    for (const r of rows) {
      eventIds.push(r.event_id);
      eName.push(store.intern(r.name));
      ePerson.push(r.person_id === null ? -1 : store.person(root(r.person_id)));
      eAt.push(Number(r.occurred_at));
      eReceived.push(Number(r.received_at));
      eValue.push(r.value_minor === null ? 0 : toMajor(Number(r.value_minor), r.currency ?? currency));
    }
    const last = rows[rows.length - 1];
    if (rows.length < PAGE || last === undefined) break;
    after = last.event_id;
  }

  // Group touches by person, each person's touches by time.
  const people = store.personIds.length;
  const start = new Int32Array(people + 1);
  for (let k = 0; k < person.length; k++) {
    const i = person.get(k) + 1;
    start[i] = (start[i] as number) + 1;
  }
  for (let p = 0; p < people; p++) start[p + 1] = (start[p + 1] as number) + (start[p] as number);
  const fill = start.slice(0, people);
  const order = new Int32Array(person.length);
  for (let k = 0; k < person.length; k++) {
    const p = person.get(k);
    order[fill[p] as number] = k;
    fill[p] = (fill[p] as number) + 1;
  }
  for (let p = 0; p < people; p++) {
    const slice = order.subarray(start[p] as number, start[p + 1] as number);
    if (slice.length > 1) slice.sort((x, y) => at.get(x) - at.get(y));
  }
  const take = <T extends Float64Array | Int32Array | Uint16Array>(col: Column<T>, make: (n: number) => T): T => {
    const out = make(order.length);
    for (let k = 0; k < order.length; k++) out[k] = col.get(order[k] as number);
    return out;
  };
  store.touchStart = start;
  store.touchAt = take(at, (n) => new Float64Array(n));
  store.touchChannel = take(channel, (n) => new Uint16Array(n));
  store.touchPlatform = take(platform, (n) => new Uint16Array(n));
  store.touchKind = take(kind, (n) => new Uint16Array(n));
  store.touchObject = take(object, (n) => new Int32Array(n));

  // Events in time order (new-customer flags depend on it).
  const eOrder = Int32Array.from({ length: eAt.length }, (_, i) => i);
  eOrder.sort((x, y) => eAt.get(x) - eAt.get(y) || ((eventIds[x] as string) < (eventIds[y] as string) ? -1 : 1));
  store.eventId = Array.from(eOrder, (i) => eventIds[i] as string);
  store.eventName = Uint16Array.from(eOrder, (i) => eName.get(i));
  store.eventPerson = Int32Array.from(eOrder, (i) => ePerson.get(i));
  store.eventAt = Float64Array.from(eOrder, (i) => eAt.get(i));
  store.eventReceived = Float64Array.from(eOrder, (i) => eReceived.get(i));
  store.eventValue = Float64Array.from(eOrder, (i) => eValue.get(i));
  return store;
}

/** Per-database cache of journey stores, one per workspace (a database handle owns its cache). */
const caches = new WeakMap<Kysely<Database>, Map<string, Promise<JourneyStore>>>();

export async function journeyStore(db: Kysely<Database>, workspaceId: string, currency: string): Promise<JourneyStore> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  const fingerprint = await fingerprintOf(db, workspaceId);
  const cached = cache.get(workspaceId);
  if (cached) {
    const store = await cached.catch(() => null);
    if (store && store.fingerprint === fingerprint) return store;
  }
  const building = build(db, workspaceId, currency, fingerprint);
  cache.set(workspaceId, building);
  return building;
}
