import { type Classification, PAID_CHANNELS } from './channels.js';

/** Interns strings to dense indexes. */
export class Interner {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  id(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
}

/**
 * Person ids (roots of merged people) of the person slots, dimension keys (see journey-load.ts) and
 * event names.
 */
export interface Interned {
  people: Interner;
  dims: Interner;
  names: Interner;
}

/** What a touch is credited to: its channel, platform and ad objects (many touches share one). */
export type TouchDimension = Pick<
  Classification,
  'campaignId' | 'campaignName' | 'adsetId' | 'adsetName' | 'adId' | 'adName'
> & {
  /** Stored values: any channel or platform name, not only those the classifier knows. */
  channel: string;
  platform: string;
};

/** Conversion flags (see JourneyStore.conversions). */
export const NEW_CUSTOMER = 1;
export const FIRST_PURCHASE = 2;

/** The conversions of one report, as parallel columns in person order. */
export interface PeriodConversions {
  count: number;
  /** Index into the store's event columns. */
  event: Int32Array;
  /** Person index, or -1 for a conversion without a person. */
  person: Int32Array;
  /** NEW_CUSTOMER | FIRST_PURCHASE. */
  flags: Uint8Array;
}

/**
 * A columnar, in-memory copy of a workspace's journeys, so reports scan typed arrays instead of
 * millions of rows or objects. Touches and events are grouped by person (CSR layout:
 * `touchStart[p]..touchStart[p+1]` are person p's touches) and sorted by time within a person;
 * what a touch is credited to is interned as a dimension. About 12 bytes per touch and 26 per event,
 * plus the person ids (kept so new rows can be added without reading everything again).
 */
export class JourneyStore {
  touchStart = new Int32Array(1);
  touchAt = new Float64Array(0);
  touchDim = new Int32Array(0);
  readonly dims: TouchDimension[] = [];
  /** Channel of each dimension, as an index into `channels`. */
  dimChannel = new Uint16Array(0);
  readonly channels: string[] = [];
  /** Person p's events are eventStart[p]..eventStart[p+1]; the last slot holds events without a person. */
  eventStart = new Int32Array(1);
  eventName = new Uint16Array(0);
  eventAt = new Float64Array(0);
  eventReceived = new Float64Array(0);
  eventValue = new Float64Array(0);
  readonly eventNames: string[] = [];
  /** Highest row positions read (see RawRows.positions), -1 when the backend has none. */
  touchMark = -1;
  eventMark = -1;

  /**
   * @param fingerprint what the workspace's data looked like when read (see journeys.ts)
   * @param interned ids behind the indexes, shared with the stores refreshed from this one (they only grow)
   */
  constructor(
    readonly fingerprint: string,
    readonly interned: Interned = { people: new Interner(), dims: new Interner(), names: new Interner() },
  ) {}

  get people(): number {
    return this.touchStart.length - 1;
  }

  /** Per-dimension flags for the models: paid ad channel, and channel by name. */
  dimFlags(test: (channel: string) => boolean): Uint8Array {
    const perChannel = this.channels.map(test);
    return Uint8Array.from(this.dimChannel, (c) => (perChannel[c] ? 1 : 0));
  }

  paidDims(): Uint8Array {
    return this.dimFlags((c) => PAID_CHANNELS.has(c));
  }

  /**
   * Conversions of the named events in [from, to), with new-customer and first-purchase flags
   * computed over each person's whole history (a person's first selected event is a new customer;
   * their first Purchase is first-purchase revenue when Purchase is selected).
   */
  conversions(names: readonly string[], from: number, to: number): PeriodConversions {
    const wanted = new Uint8Array(this.eventNames.length);
    for (const n of names) {
      const i = this.eventNames.indexOf(n);
      if (i !== -1) wanted[i] = 1;
    }
    const purchase = names.includes('Purchase') ? this.eventNames.indexOf('Purchase') : -1;
    const size = this.eventAt.length;
    const event = new Int32Array(size);
    const person = new Int32Array(size);
    const flags = new Uint8Array(size);
    let count = 0;
    const slots = this.eventStart.length - 1;
    for (let p = 0; p < slots; p++) {
      const anonymous = p === slots - 1;
      let seen = 0;
      const end = this.eventStart[p + 1] as number;
      for (let e = this.eventStart[p] as number; e < end; e++) {
        const name = this.eventName[e] as number;
        if (wanted[name] !== 1) continue;
        const at = this.eventAt[e] as number;
        if (at >= to) break;
        const f = anonymous ? 0 : seen;
        seen |= NEW_CUSTOMER | (name === purchase ? FIRST_PURCHASE : 0);
        if (at < from) continue;
        event[count] = e;
        person[count] = anonymous ? -1 : p;
        flags[count] =
          (f & NEW_CUSTOMER ? 0 : NEW_CUSTOMER) | (name === purchase && !(f & FIRST_PURCHASE) ? FIRST_PURCHASE : 0);
        count++;
      }
    }
    return { count, event, person, flags };
  }
}
