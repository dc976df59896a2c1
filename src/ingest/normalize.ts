import { isIP } from 'node:net';
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { UAParser } from 'ua-parser-js';
import { AppError } from '../errors/codes.js';
import { isValidCurrency } from '../workspaces/validate.js';

/**
 * Pure normalization of the values every surface shares. Each function names the field it checks
 * (the surface passes its own field name, `email` or `customerEmail`) so a 422 tells the caller what
 * to fix.
 */

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(value: string, field: string): string {
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) {
    throw new AppError('validation_failed', `${field} is not an email address`, field);
  }
  return email;
}

/**
 * Phone to digits with the country code, as the server-events seed asks ((650)555-1212 ->
 * 16505551212). Numbers without a country code take the workspace's default country; numbers
 * libphonenumber cannot validate keep their digits without symbols or leading zeros.
 */
export function normalizePhone(value: string, defaultCountry: string, field: string): string {
  const trimmed = value.trim();
  const international = trimmed.startsWith('+') || trimmed.startsWith('00');
  const digits = trimmed.replace(/\D/g, '').replace(/^0+/, '');
  if (digits.length < 6 || digits.length > 17 || /[a-z]{2,}/i.test(trimmed)) {
    throw new AppError('validation_failed', `${field} is not a phone number`, field);
  }
  if (!international) {
    const national = parsePhoneNumberFromString(trimmed, defaultCountry as CountryCode);
    if (national?.isValid()) return national.number.slice(1);
  }
  const withCode = parsePhoneNumberFromString(`+${digits}`);
  if (withCode?.isValid()) return withCode.number.slice(1);
  return digits;
}

export function normalizeIp(value: string, field: string): string {
  const ip = value.trim();
  if (isIP(ip) === 0) throw new AppError('validation_failed', `${field} is not an IPv4 or IPv6 address`, field);
  return ip.toLowerCase();
}

export function normalizeName(value: string, field: string): string {
  const name = value.trim().replace(/\s+/g, ' ');
  if (name.length > 256) throw new AppError('validation_failed', `${field} is longer than 256 characters`, field);
  return name;
}

/** A bounded, small cache: servers see few distinct user agents, and parsing one costs ~20 µs. */
const UA_CACHE = new Map<string, { browser?: string; os?: string; device?: string }>();

export function parseUserAgent(ua: string): { browser?: string; os?: string; device?: string } {
  const cached = UA_CACHE.get(ua);
  if (cached !== undefined) return cached;
  const result = UAParser(ua);
  const parsed: { browser?: string; os?: string; device?: string } = {};
  if (result.browser.name !== undefined) parsed.browser = result.browser.name;
  if (result.os.name !== undefined) parsed.os = result.os.name;
  parsed.device = result.device.type ?? 'desktop';
  if (UA_CACHE.size >= 1000) UA_CACHE.clear();
  UA_CACHE.set(ua, parsed);
  return parsed;
}

// 2000-01-01: nothing older is a real event time; more than a day ahead is a clock or unit error.
const EARLIEST = Date.UTC(2000, 0, 1);
const MAX_FUTURE_MS = 24 * 3600 * 1000;

/**
 * event_time as unix seconds, milliseconds (numbers or digit strings) or ISO 8601 -> UTC ms.
 * Values below 10^11 are seconds (10^11 ms would be 1973, 10^11 s the year 5138).
 */
export function normalizeTime(value: number | string | undefined, now: number, field: string): number {
  if (value === undefined) return now;
  let ms: number;
  if (typeof value === 'number' || /^\d+(\.\d+)?$/.test(value.trim())) {
    const n = typeof value === 'number' ? value : Number(value.trim());
    ms = n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  } else {
    const text = value.trim();
    // ISO 8601 only: a date, optionally with a time; a time without a zone is read as UTC.
    if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(text)) {
      throw new AppError('validation_failed', `${field} must be unix seconds, milliseconds or ISO 8601`, field);
    }
    const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) && text.length > 10;
    ms = Date.parse(hasZone || text.length === 10 ? text : `${text}Z`);
  }
  if (!Number.isFinite(ms)) {
    throw new AppError('validation_failed', `${field} is not a valid time`, field);
  }
  if (ms < EARLIEST || ms > now + MAX_FUTURE_MS) {
    throw new AppError('validation_failed', `${field} is outside 2000-01-01 .. now + 1 day`, field);
  }
  return ms;
}

const EXPONENTS = new Map<string, number>();

/** ISO 4217 minor-unit exponent: USD 2, JPY 0, KWD 3. */
export function currencyExponent(currency: string): number {
  let exponent = EXPONENTS.get(currency);
  if (exponent === undefined) {
    exponent =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    EXPONENTS.set(currency, exponent);
  }
  return exponent;
}

export function normalizeCurrency(value: string | undefined, fallback: string, field: string): string {
  if (value === undefined) return fallback;
  const code = value.trim().toUpperCase();
  if (!isValidCurrency(code)) {
    throw new AppError('validation_failed', `${field} is not an ISO 4217 currency code such as USD`, field);
  }
  return code;
}

/** A decimal amount in major units (45.00, "45.5") -> integer minor units of `currency`. */
export function toMinorUnits(value: number | string, currency: string, field: string): number {
  const amount = typeof value === 'number' ? value : /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(amount)) throw new AppError('validation_failed', `${field} must be a decimal number`, field);
  if (amount < 0) throw new AppError('validation_failed', `${field} must not be negative`, field);
  const minor = Math.round(amount * 10 ** currencyExponent(currency));
  if (!Number.isSafeInteger(minor)) throw new AppError('validation_failed', `${field} is too large`, field);
  return minor;
}

/** Minor units -> decimal major units (4500 USD -> 45, 4900 JPY -> 4900). */
export function toMajorUnits(minor: number, currency: string): number {
  return minor / 10 ** currencyExponent(currency);
}

const MAX_DEPTH = 8;

/** Free-form properties: an object, at most MAX_DEPTH levels deep. */
export function checkProperties(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AppError('validation_failed', `${field} must be an object`, field);
  }
  if (depthExceeds(value, MAX_DEPTH)) {
    throw new AppError('validation_failed', `${field} is nested more than ${MAX_DEPTH} levels deep`, field);
  }
  return value as Record<string, unknown>;
}

function depthExceeds(value: unknown, budget: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (budget === 0) return true;
  for (const child of Object.values(value)) if (depthExceeds(child, budget - 1)) return true;
  return false;
}

/** Text stored in indexed columns (names, keys): no control characters, bounded length. */
export function checkKey(value: string, field: string, max = 256): string {
  const text = value.trim();
  if (text === '') throw new AppError('validation_failed', `${field} must not be empty`, field);
  if (text.length > max) throw new AppError('validation_failed', `${field} is longer than ${max} characters`, field);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(text)) {
    throw new AppError('validation_failed', `${field} contains control characters`, field);
  }
  return text;
}
