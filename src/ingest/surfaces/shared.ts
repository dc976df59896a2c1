import type { ClickIds, Utm } from '../../events/stored-event.js';

export const CLICK_ID_PARAMS: readonly (keyof ClickIds)[] = [
  'fbclid',
  'gclid',
  'gbraid',
  'wbraid',
  'ttclid',
  'li_fat_id',
  'msclkid',
  'tp_click_id',
];

/** Strings only: anything else (numbers, objects) is left for the schema to have rejected. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Click ids and UTMs carried in a landing page URL's query string (`?gclid=…&utm_source=…`). */
export function fromPageUrl(url: string | undefined): { clickIds: ClickIds; utm: Utm } {
  const clickIds: ClickIds = {};
  const utm: Utm = {};
  if (url === undefined || !url.includes('?')) return { clickIds, utm };
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    return { clickIds, utm };
  }
  for (const name of CLICK_ID_PARAMS) {
    const value = params.get(name);
    if (value) clickIds[name] = value;
  }
  for (const name of ['source', 'medium', 'campaign', 'content', 'term', 'id'] as const) {
    const value = params.get(`utm_${name}`);
    if (value) utm[name] = value;
  }
  return { clickIds, utm };
}

/** Drops undefined values so stored JSON stays small and comparisons stay simple. */
export function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  // for-in over the object literals built here (no inherited keys): no entry arrays (hot path).
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (child !== undefined) out[key] = child;
  }
  return out as T;
}

/** A number or a numeric string (amounts often arrive as "34.00"); NaN when it is neither. */
export function amountOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value.trim() === '') return undefined;
    return /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
  }
  return Number.NaN;
}
