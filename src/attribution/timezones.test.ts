import { describe, expect, it } from 'vitest';
import { DayBuckets, localDate, startOfDay } from './timezones.js';

describe('days in IANA timezones across DST', () => {
  it.each([
    // New York: spring forward 2026-03-08 (23 h), fall back 2026-11-01 (25 h)
    ['America/New_York', '2026-03-07', '2026-03-07T05:00:00.000Z', 24],
    ['America/New_York', '2026-03-08', '2026-03-08T05:00:00.000Z', 23],
    ['America/New_York', '2026-11-01', '2026-11-01T04:00:00.000Z', 25],
    ['America/New_York', '2026-11-02', '2026-11-02T05:00:00.000Z', 24],
    // Sydney: DST ends 2026-04-05 (25 h), starts 2026-10-04 (23 h)
    ['Australia/Sydney', '2026-04-05', '2026-04-04T13:00:00.000Z', 25],
    ['Australia/Sydney', '2026-10-04', '2026-10-03T14:00:00.000Z', 23],
    ['Australia/Sydney', '2026-10-05', '2026-10-04T13:00:00.000Z', 24],
    ['UTC', '2026-06-01', '2026-06-01T00:00:00.000Z', 24],
  ])('%s %s starts at %s and lasts %i hours', (zone, date, start, hours) => {
    const s = startOfDay(date, zone);
    expect(new Date(s).toISOString()).toBe(start);
    const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect((startOfDay(next, zone) - s) / 3_600_000).toBe(hours);
  });

  it('buckets instants on both sides of a DST change into the local day', () => {
    const days = new DayBuckets('2026-10-31', '2026-11-02', 'America/New_York');
    expect(days.dayOf(Date.parse('2026-11-01T03:59:59Z'))).toBe('2026-10-31');
    expect(days.dayOf(Date.parse('2026-11-01T04:00:00Z'))).toBe('2026-11-01');
    expect(days.dayOf(Date.parse('2026-11-02T04:30:00Z'))).toBe('2026-11-01'); // 23:30 EST, the 25th hour
    expect(days.dayOf(Date.parse('2026-11-02T05:00:00Z'))).toBe('2026-11-02');
    expect(days.dayOf(Date.parse('2026-11-03T05:00:00Z'))).toBeNull();
    const sydney = new DayBuckets('2026-10-03', '2026-10-05', 'Australia/Sydney');
    expect(sydney.dayOf(Date.parse('2026-10-03T13:59:00Z'))).toBe('2026-10-03');
    expect(sydney.dayOf(Date.parse('2026-10-03T14:00:00Z'))).toBe('2026-10-04');
    expect(localDate(Date.parse('2026-10-04T12:59:00Z'), 'Australia/Sydney')).toBe('2026-10-04');
  });
});
