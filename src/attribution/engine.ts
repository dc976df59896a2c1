import { PAID_CHANNELS } from './channels.js';
import { type AggregatedPath, markovAttribution, shapleyAttribution } from './markov.js';
import { type CreditOptions, creditPath, type ModelName, type PathTouch } from './models.js';
import type { DayBuckets } from './timezones.js';

/** One conversion event, as the engine needs it. */
export interface Conversion {
  id: string;
  personId: string | null;
  at: number;
  receivedAt: number;
  name: string;
  /** Value in major units of the workspace currency (0 when none). */
  value: number;
  /** The person's first conversion of any selected event: a new customer. */
  isNew: boolean;
  /** The person's first Purchase: first-purchase revenue. */
  isFirstPurchase: boolean;
}

export interface Touch extends PathTouch {
  at: number;
  channel: string;
  platform: string;
  kind: string;
  campaignId: string | null;
  campaignName: string | null;
  adsetId: string | null;
  adsetName: string | null;
  adId: string | null;
  adName: string | null;
}

/** Every person's touches, sorted by time (a Map, or a columnar store building them on demand). */
export interface TouchSource {
  get(personId: string): readonly Touch[] | undefined;
  entries(): Iterable<[string, readonly Touch[]]>;
  /** Fast path: channel sequences of touches in [from, to) of every person not in `skip`. */
  channelPaths?(from: number, to: number, skip: ReadonlySet<string>): Iterable<string[]>;
}

export interface EngineInput {
  conversions: readonly Conversion[];
  /** Every person's touches, sorted by time. */
  touchesByPerson: TouchSource;
}

export interface EngineOptions extends Omit<CreditOptions, 'channelWeights'> {
  model: ModelName;
  /** Credit revenue on the conversion's day or on the day of the touch that earned it. */
  creditDate: 'conversion' | 'click';
  days: DayBuckets;
  /** Markov order (1-3). */
  order?: number;
}

/** Receives each (conversion, touch, credit) share; touch null = the unattributed part of a conversion. */
export type CreditSink = (conversion: Conversion, touch: Touch | null, credit: number, dayIndex: number) => void;

/**
 * The Markov / Shapley channel weights over all paths of the period: each conversion's eligible
 * path, and for people who did not convert in the period, their touches in the period (null paths).
 */
export function dataDrivenWeights(input: EngineInput, options: EngineOptions): Map<string, number> {
  const paths = new Map<string, AggregatedPath>();
  const add = (channels: string[], conversions: number, value: number, nulls: number) => {
    const key = channels.join('\u0000');
    let entry = paths.get(key);
    if (!entry) {
      entry = { channels, conversions: 0, value: 0, nulls: 0 };
      paths.set(key, entry);
    }
    entry.conversions += conversions;
    entry.value += value;
    entry.nulls += nulls;
  };
  const converted = new Set<string>();
  const filter: CreditOptions = { windowMs: options.windowMs, sourceSpecific: options.sourceSpecific === true };
  for (const conversion of input.conversions) {
    if (conversion.personId === null) continue;
    if (options.days.indexOf(conversion.at) === -1) continue;
    converted.add(conversion.personId);
    const touches = input.touchesByPerson.get(conversion.personId) ?? [];
    const eligible = touches.filter(
      (t) =>
        t.at <= conversion.at &&
        (filter.windowMs === null || t.at >= conversion.at - filter.windowMs) &&
        (filter.sourceSpecific !== true || PAID_CHANNELS.has(t.channel)),
    );
    if (eligible.length > 0)
      add(
        eligible.map((t) => t.channel),
        1,
        conversion.value,
        0,
      );
  }
  const paid = (channel: string) => filter.sourceSpecific !== true || PAID_CHANNELS.has(channel);
  if (input.touchesByPerson.channelPaths) {
    for (const channels of input.touchesByPerson.channelPaths(options.days.start, options.days.end, converted)) {
      const kept = channels.filter(paid);
      if (kept.length > 0) add(kept, 0, 0, 1);
    }
  } else {
    for (const [personId, touches] of input.touchesByPerson.entries()) {
      if (converted.has(personId)) continue;
      const kept = touches.filter((t) => options.days.indexOf(t.at) !== -1 && paid(t.channel)).map((t) => t.channel);
      if (kept.length > 0) add(kept, 0, 0, 1);
    }
  }
  const all = [...paths.values()];
  const weights = new Map<string, number>();
  if (options.model === 'markov') {
    for (const c of markovAttribution(all, options.order ?? 1).channels) weights.set(c.channel, c.removalEffect);
  } else {
    for (const c of shapleyAttribution(all)) weights.set(c.channel, c.conversions);
  }
  return weights;
}

/**
 * Runs the model over every conversion and hands each share of credit to `sink`. With conversion-date
 * crediting only conversions inside the period count; with click-date crediting, conversions after it
 * count too but only the credit of touches inside the period is reported.
 */
export function runAttribution(input: EngineInput, options: EngineOptions, sink: CreditSink): void {
  const channelWeights =
    options.model === 'markov' || options.model === 'shapley' ? dataDrivenWeights(input, options) : undefined;
  const creditOptions: CreditOptions = {
    windowMs: options.windowMs,
    sourceSpecific: options.sourceSpecific,
    halfLifeMs: options.halfLifeMs,
    channelWeights,
  };
  const empty: Touch[] = [];
  for (const conversion of input.conversions) {
    const conversionDay = options.days.indexOf(conversion.at);
    if (options.creditDate === 'conversion' && conversionDay === -1) continue;
    const touches = conversion.personId === null ? empty : (input.touchesByPerson.get(conversion.personId) ?? empty);
    const credits = creditPath(options.model, touches, conversion.at, creditOptions);
    let given = 0;
    for (let i = 0; i < credits.length; i++) {
      const credit = credits[i] as number;
      if (credit === 0) continue;
      const touch = touches[i] as Touch;
      const day = options.creditDate === 'conversion' ? conversionDay : options.days.indexOf(touch.at);
      if (day === -1) continue;
      given += credit;
      sink(conversion, touch, credit, day);
    }
    if (given === 0 && conversionDay !== -1) sink(conversion, null, 1, conversionDay);
  }
}
