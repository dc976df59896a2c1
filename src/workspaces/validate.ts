import { AppError } from '../errors/codes.js';

/** IANA zone names known to this Node build (ICU). `UTC` is always accepted. */
export function isValidTimezone(zone: string): boolean {
  if (zone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    // Intl also accepts offsets like "+01:00"; we want named zones only.
    return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(zone);
  } catch {
    return false;
  }
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function isValidCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && CURRENCIES.has(code);
}

/** A host name a pixel beacon may come from: `example.com`, `shop.example.co.uk`, `localhost`. */
export function normalizeDomain(input: string): string {
  const host = input
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/[/:].*$/, '');
  if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(host)) {
    throw new AppError('validation_failed', `"${input}" is not a valid domain name`, 'domains');
  }
  return host;
}

export function assertTimezone(zone: string, field = 'timezone'): string {
  if (!isValidTimezone(zone)) {
    throw new AppError('validation_failed', `"${zone}" is not an IANA timezone such as America/New_York`, field);
  }
  return zone;
}

export function assertCurrency(code: string, field = 'currency'): string {
  const upper = code.toUpperCase();
  if (!isValidCurrency(upper)) {
    throw new AppError('validation_failed', `"${code}" is not an ISO 4217 currency code such as USD`, field);
  }
  return upper;
}

export function assertCountry(code: string, field = 'defaultCountry'): string {
  const upper = code.toUpperCase();
  let known = false;
  try {
    known = /^[A-Z]{2}$/.test(upper) && new Intl.DisplayNames(['en'], { type: 'region' }).of(upper) !== upper;
  } catch {
    known = false;
  }
  if (!known) throw new AppError('validation_failed', `"${code}" is not an ISO 3166 country code such as US`, field);
  return upper;
}
