/**
 * Calendar days in an IANA timezone. Day boundaries are computed once per period (a few hundred
 * Intl calls), then each timestamp is bucketed by binary search — correct on 23- and 25-hour DST days.
 */

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormatters.set(timeZone, f);
  }
  return f;
}

/** Offset of the zone from UTC at `instant`, in ms (local = utc + offset). */
export function zoneOffset(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const local = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return local - (instant - (instant % 1000));
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/** The UTC instant at which local midnight starting `date` (YYYY-MM-DD) happens in `timeZone`. */
export function startOfDay(date: string, timeZone: string): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Two fixed-point steps settle the offset; DST never starts at exactly midnight in a way this misses
  // by more than the gap (then the day starts at the first existing instant, as in every calendar).
  let guess = wall - zoneOffset(wall, timeZone);
  guess = wall - zoneOffset(guess, timeZone);
  return guess;
}

export function addDays(date: string, days: number): string {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days)).toISOString().slice(0, 10);
}

/** The local calendar date of an instant. */
export function localDate(instant: number, timeZone: string): string {
  return new Date(instant + zoneOffset(instant, timeZone)).toISOString().slice(0, 10);
}

/** Days [from, to] (inclusive) with their UTC start instants, plus the end of the last day. */
export class DayBuckets {
  readonly days: string[] = [];
  readonly starts: number[] = [];
  readonly end: number;

  constructor(
    from: string,
    to: string,
    readonly timeZone: string,
  ) {
    for (let d = from; d <= to; d = addDays(d, 1)) {
      this.days.push(d);
      this.starts.push(startOfDay(d, timeZone));
    }
    this.end = startOfDay(addDays(to, 1), timeZone);
  }

  get start(): number {
    return this.starts[0] ?? this.end;
  }

  /** Index of the day holding `instant`, or -1 outside the period. */
  indexOf(instant: number): number {
    if (instant < this.start || instant >= this.end) return -1;
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= instant) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  dayOf(instant: number): string | null {
    const i = this.indexOf(instant);
    return i === -1 ? null : (this.days[i] as string);
  }
}
