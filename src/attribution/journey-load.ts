import type { RawRows } from '../storage/raw-rows.js';
import { type Interned, Interner, JourneyStore, type TouchDimension } from './journey-store.js';
import { toMajor } from './money.js';

/** Growable typed column. */
class Column<T extends Float64Array | Int32Array | Uint16Array> {
  length = 0;
  constructor(public data: T) {}
  push(value: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = value;
  }
  append(values: T): void {
    this.reserve(values.length);
    this.data.set(values, this.length);
    this.length += values.length;
  }
  repeat(value: number, count: number): void {
    this.reserve(count);
    this.data.fill(value, this.length, this.length + count);
    this.length += count;
  }
  private reserve(more: number): void {
    if (this.length + more <= this.data.length) return;
    const size = Math.max(1024, this.data.length * 2, this.length + more);
    const bigger = new (this.data.constructor as new (n: number) => T)(size);
    bigger.set(this.data.subarray(0, this.length));
    this.data = bigger;
  }
  values(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

const SEP = '\u001f';
const NULL = '\u001e';
/**
 * The dimension columns of a touchpoint folded into one string by the database: each value crossing
 * into JS costs an allocation, so one string per row instead of eight roughly halves the scan.
 */
const DIM_KEY = ['channel', 'platform', 'campaign_id', 'campaign_name', 'adset_id', 'adset_name', 'ad_id', 'ad_name']
  .map((c) => `coalesce(${c}, '${NULL}')`)
  .join(` || '${SEP}' || `);
const TOUCH_SELECTS = ['person_id', 'occurred_at', DIM_KEY];
const EVENT_SELECTS = ['person_id', 'name', 'occurred_at', 'received_at', 'value_minor', 'currency'];

function dimensionOf(key: string): TouchDimension {
  const v = key.split(SEP).map((s) => (s === NULL ? null : s));
  return {
    channel: v[0] as string,
    platform: v[1] as string,
    campaignId: v[2] ?? null,
    campaignName: v[3] ?? null,
    adsetId: v[4] ?? null,
    adsetName: v[5] ?? null,
    adId: v[6] ?? null,
    adName: v[7] ?? null,
  };
}

/**
 * Counting sort of rows into person slots, then each slot by time; ties keep row order (rows are
 * gathered in storage order, so that is the order they were written in).
 */
function groupByPerson(person: Int32Array, at: Float64Array, slots: number) {
  const n = person.length;
  const start = new Int32Array(slots + 1);
  for (let k = 0; k < n; k++) {
    const slot = (person[k] as number) + 1;
    start[slot] = (start[slot] as number) + 1;
  }
  for (let p = 0; p < slots; p++) start[p + 1] = (start[p + 1] as number) + (start[p] as number);
  const fill = start.slice(0, slots);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const p = person[k] as number;
    order[fill[p] as number] = k;
    fill[p] = (fill[p] as number) + 1;
  }
  const before = (x: number, y: number) => (at[x] as number) - (at[y] as number) || x - y;
  for (let p = 0; p < slots; p++) {
    const lo = start[p] as number;
    const hi = start[p + 1] as number;
    if (hi - lo > 32) {
      order.subarray(lo, hi).sort(before);
      continue;
    }
    // Journeys are short: insertion sort, no comparator calls through the generic sort.
    for (let i = lo + 1; i < hi; i++) {
      const v = order[i] as number;
      let j = i - 1;
      while (j >= lo && before(order[j] as number, v) > 0) {
        order[j + 1] = order[j] as number;
        j--;
      }
      order[j + 1] = v;
    }
  }
  return { start, order };
}

/** `values` in `order` (Array.from with a mapping function is several times slower on millions). */
function permute<T extends Float64Array | Int32Array | Uint16Array>(values: T, order: Int32Array): T {
  const out = new (values.constructor as new (n: number) => T)(order.length);
  for (let i = 0; i < order.length; i++) out[i] = values[order[i] as number] as number;
  return out;
}

/**
 * Touch and event rows gathered from the database (and, on a refresh, from the previous store),
 * before they are grouped by person into a new store.
 */
class JourneyRows {
  readonly tPerson = new Column(new Int32Array(1 << 16));
  readonly tAt = new Column(new Float64Array(1 << 16));
  readonly tDim = new Column(new Int32Array(1 << 16));
  readonly ePerson = new Column(new Int32Array(1 << 16));
  readonly eName = new Column(new Uint16Array(1 << 16));
  readonly eAt = new Column(new Float64Array(1 << 16));
  readonly eReceived = new Column(new Float64Array(1 << 16));
  readonly eValue = new Column(new Float64Array(1 << 16));
  touchMark = -1;
  eventMark = -1;
  private lastId: unknown = null;
  private lastPerson = -1;

  constructor(
    readonly interned: Interned,
    private readonly parent: ReadonlyMap<string, string>,
    private readonly currency: string,
  ) {}

  /** The slot of a person id, through merges to the root; rows usually come grouped by person. */
  personOf(id: string): number {
    if (id === this.lastId) return this.lastPerson;
    let current = id;
    for (let hops = 0; hops < 64 && this.parent.size > 0; hops++) {
      const next = this.parent.get(current);
      if (next === undefined || next === current) break;
      current = next;
    }
    this.lastId = id;
    this.lastPerson = this.interned.people.id(current);
    return this.lastPerson;
  }

  addTouch(person: number, at: number, dim: number): void {
    this.tPerson.push(person);
    this.tAt.push(at);
    this.tDim.push(dim);
  }

  addEvent(person: number, name: number, at: number, received: number, value: number): void {
    this.ePerson.push(person);
    this.eName.push(name);
    this.eAt.push(at);
    this.eReceived.push(received);
    this.eValue.push(value);
  }

  /** Reads touchpoints: all, those after a position, or those of some people up to a position. */
  readTouches(
    raw: RawRows,
    workspaceId: string,
    options?: { after?: number; people?: readonly string[]; upTo?: number },
  ) {
    return raw.scanWorkspace(
      'touchpoints',
      TOUCH_SELECTS,
      workspaceId,
      (r) => {
        if ((r[0] as number) > this.touchMark) this.touchMark = r[0] as number;
        if (r[1] === null) return;
        this.addTouch(this.personOf(r[1] as string), Number(r[2]), this.interned.dims.id(r[3] as string));
      },
      options,
    );
  }

  /** Reads events (all, or those after a position); `people` collects the slots of their people. */
  readEvents(raw: RawRows, workspaceId: string, options?: { after?: number }, people?: Set<number>) {
    return raw.scanWorkspace(
      'events',
      EVENT_SELECTS,
      workspaceId,
      (r) => {
        if ((r[0] as number) > this.eventMark) this.eventMark = r[0] as number;
        const value = r[5] === null ? 0 : toMajor(Number(r[5]), (r[6] as string | null) ?? this.currency);
        const person = r[1] === null ? -1 : this.personOf(r[1] as string);
        if (person !== -1) people?.add(person);
        this.addEvent(person, this.interned.names.id(r[2] as string), Number(r[3]), Number(r[4]), value);
      },
      options,
    );
  }

  /** Copies a store's touches (of the people `keep` accepts) and events, in runs rather than rows. */
  copyFrom(store: JourneyStore, keep: (person: number) => boolean): void {
    const { touchStart, eventStart } = store;
    for (let p = 0; p < store.people; ) {
      if (!keep(p)) {
        p++;
        continue;
      }
      let q = p;
      while (q < store.people && keep(q)) q++;
      const lo = touchStart[p] as number;
      const hi = touchStart[q] as number;
      this.tAt.append(store.touchAt.subarray(lo, hi));
      this.tDim.append(store.touchDim.subarray(lo, hi));
      for (let r = p; r < q; r++) this.tPerson.repeat(r, (touchStart[r + 1] as number) - (touchStart[r] as number));
      p = q;
    }
    const anonymous = eventStart.length - 2;
    for (let p = 0; p <= anonymous; p++) {
      this.ePerson.repeat(p === anonymous ? -1 : p, (eventStart[p + 1] as number) - (eventStart[p] as number));
    }
    this.eName.append(store.eventName);
    this.eAt.append(store.eventAt);
    this.eReceived.append(store.eventReceived);
    this.eValue.append(store.eventValue);
  }

  /** Groups the rows into a store. */
  assemble(fingerprint: string): JourneyStore {
    const store = new JourneyStore(fingerprint, this.interned);
    const slots = this.interned.people.values.length;
    const tAt = this.tAt.values();
    const tDim = this.tDim.values();
    const touches = groupByPerson(this.tPerson.values(), tAt, slots);
    store.touchStart = touches.start;
    store.touchAt = permute(tAt, touches.order);
    store.touchDim = permute(tDim, touches.order);
    store.dims.push(...this.interned.dims.values.map(dimensionOf));
    const channels = new Map<string, number>();
    store.dimChannel = Uint16Array.from(store.dims, (d) => {
      if (!channels.has(d.channel)) channels.set(d.channel, channels.size);
      return channels.get(d.channel) as number;
    });
    store.channels.push(...channels.keys());

    // Events without a person go to one extra slot at the end.
    const ePerson = this.ePerson.values();
    for (let i = 0; i < ePerson.length; i++) if (ePerson[i] === -1) ePerson[i] = slots;
    const events = groupByPerson(ePerson, this.eAt.values(), slots + 1);
    store.eventStart = events.start;
    store.eventName = permute(this.eName.values(), events.order);
    store.eventAt = permute(this.eAt.values(), events.order);
    store.eventReceived = permute(this.eReceived.values(), events.order);
    store.eventValue = permute(this.eValue.values(), events.order);
    store.eventNames.push(...this.interned.names.values);
    store.touchMark = this.touchMark;
    store.eventMark = this.eventMark;
    return store;
  }
}

const freshInterned = (): Interned => ({ people: new Interner(), dims: new Interner(), names: new Interner() });

/** Reads a workspace's journeys into a new store. `parent` maps merged people to the person they joined. */
export async function loadJourneys(
  raw: RawRows,
  workspaceId: string,
  currency: string,
  parent: ReadonlyMap<string, string>,
  fingerprint: string,
): Promise<JourneyStore> {
  const rows = new JourneyRows(freshInterned(), parent, currency);
  await rows.readTouches(raw, workspaceId);
  await rows.readEvents(raw, workspaceId);
  return rows.assemble(fingerprint);
}

/**
 * A new store with the rows added since `old` was read (no people merged since; see journeys.ts),
 * when the backend has row positions. A person with a new event also has their older touches read
 * again: ingest may have claimed an anonymous click for them in the same transaction (the only
 * update to a touchpoint besides merges). The order of the reads leaves no gap for rows committed
 * meanwhile: anything later than what was read has a higher position and comes with the next refresh.
 */
export async function refreshJourneys(
  raw: RawRows,
  workspaceId: string,
  currency: string,
  parent: ReadonlyMap<string, string>,
  old: JourneyStore,
  fingerprint: string,
): Promise<JourneyStore> {
  const rows = new JourneyRows(old.interned, parent, currency);
  rows.touchMark = old.touchMark;
  rows.eventMark = old.eventMark;
  const fresh = new JourneyRows(old.interned, parent, currency);
  const eventful = new Set<number>();
  await fresh.readEvents(raw, workspaceId, { after: old.eventMark }, eventful);
  rows.copyFrom(old, (p) => !eventful.has(p));
  const people = [...eventful].map((p) => old.interned.people.values[p] as string);
  await rows.readTouches(raw, workspaceId, { people, upTo: old.touchMark });
  await rows.readTouches(raw, workspaceId, { after: old.touchMark });
  const n = fresh.ePerson.length;
  for (let i = 0; i < n; i++) {
    rows.addEvent(
      fresh.ePerson.data[i] as number,
      fresh.eName.data[i] as number,
      fresh.eAt.data[i] as number,
      fresh.eReceived.data[i] as number,
      fresh.eValue.data[i] as number,
    );
  }
  rows.eventMark = Math.max(old.eventMark, fresh.eventMark);
  return rows.assemble(fingerprint);
}
