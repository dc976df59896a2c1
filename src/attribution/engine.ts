import { CreditScratch, creditColumns, type DimTraits } from './credit-columns.js';
import type { JourneyStore, PeriodConversions } from './journeys.js';
import { type CreditOptions, type ModelName, PASSIVE_CHANNELS } from './models.js';
import { channelWeights } from './path-counts.js';
import type { DayBuckets } from './timezones.js';

export interface EngineOptions extends Omit<CreditOptions, 'channelWeights'> {
  model: ModelName;
  /** Credit revenue on the conversion's day or on the day of the touch that earned it. */
  creditDate: 'conversion' | 'click';
  days: DayBuckets;
  /** Markov order (1-3). */
  order?: number;
}

/**
 * Receives each share of credit: `conversion` indexes the period's conversions, `touch` the store's
 * touches (-1 = the unattributed part of a conversion), `day` the period's days. Every share of one
 * conversion arrives before the next conversion's.
 */
export type CreditSink = (conversion: number, touch: number, credit: number, day: number) => void;

function traitsOf(store: JourneyStore, weights: Float64Array | null): DimTraits {
  const weight = weights && Float64Array.from(store.dimChannel, (c) => weights[c] as number);
  return {
    paid: store.paidDims(),
    passive: store.dimFlags((c) => PASSIVE_CHANNELS.has(c)),
    direct: store.dimFlags((c) => c === 'direct'),
    weight,
  };
}

/**
 * Runs the model over every conversion and hands each share of credit to `sink`. With conversion-date
 * crediting only conversions inside the period count; with click-date crediting, conversions after it
 * count too but only the credit of touches inside the period is reported.
 */
export function runAttribution(
  store: JourneyStore,
  conversions: PeriodConversions,
  options: EngineOptions,
  sink: CreditSink,
): void {
  const dataDriven = options.model === 'markov' || options.model === 'shapley';
  const traits = traitsOf(store, dataDriven ? channelWeights(store, conversions, options) : null);
  const creditOptions: CreditOptions = {
    windowMs: options.windowMs,
    sourceSpecific: options.sourceSpecific,
    halfLifeMs: options.halfLifeMs,
  };
  const { days } = options;
  const byConversion = options.creditDate === 'conversion';
  const { touchStart, touchAt, touchDim, eventAt } = store;
  const scratch = new CreditScratch();
  for (let c = 0; c < conversions.count; c++) {
    const at = eventAt[conversions.event[c] as number] as number;
    const conversionDay = days.indexOf(at);
    if (byConversion && conversionDay === -1) continue;
    const p = conversions.person[c] as number;
    let given = 0;
    if (p !== -1) {
      const lo = touchStart[p] as number;
      const hi = touchStart[p + 1] as number;
      if (creditColumns(options.model, touchAt, touchDim, traits, lo, hi, at, creditOptions, scratch)) {
        for (let k = lo; k < hi; k++) {
          const credit = scratch.credit[k - lo] as number;
          if (credit === 0) continue;
          const day = byConversion ? conversionDay : days.indexOf(touchAt[k] as number);
          if (day === -1) continue;
          given += credit;
          sink(c, k, credit, day);
        }
      }
    }
    if (given === 0 && conversionDay !== -1) sink(c, -1, 1, conversionDay);
  }
}
