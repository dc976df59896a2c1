import { createHash } from 'node:crypto';
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Normalization and SHA-256 hashing shared by the platform mappers (specs/destinations.md §0, §1.5-1.6,
 * §2.3, §3.3, §4.3, §5.5). Rule zero: normalize first, then hash; a value that already is 64 lowercase
 * hex is passed through unchanged (never hash a hash); an empty normalized value is dropped.
 */
const SHA256_HEX = /^[a-f0-9]{64}$/;

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value.trim().toLowerCase());
}

/** Normalizes with `normalize` and hashes, unless the value already is a SHA-256 hex digest. */
export function hashWith(
  value: string | undefined,
  normalize: (raw: string) => string | undefined,
): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (SHA256_HEX.test(trimmed.toLowerCase())) return trimmed.toLowerCase();
  const normalized = normalize(trimmed);
  if (normalized === undefined || normalized === '') return undefined;
  return sha256Hex(normalized);
}

/** Meta, TikTok, Microsoft offline: trim + lowercase (no Gmail dot removal). */
export function normEmail(raw: string): string | undefined {
  const email = raw.trim().toLowerCase();
  return email.includes('@') ? email : undefined;
}

/** LinkedIn: lowercase with all whitespace removed. */
export function normEmailNoSpaces(raw: string): string | undefined {
  return normEmail(raw.replace(/\s+/g, ''));
}

/** Google (Ads API and Data Manager): remove whitespace, lowercase, drop dots before @ for gmail/googlemail. */
export function normEmailGoogle(raw: string): string | undefined {
  const email = normEmail(raw.replace(/\s+/g, ''));
  if (email === undefined) return undefined;
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (domain === 'gmail.com' || domain === 'googlemail.com') return `${local.replace(/\./g, '')}@${domain}`;
  return email;
}

/** Microsoft UET CAPI: lowercase; in the local part drop a `+alias` suffix and every dot (all domains). */
export function normEmailUet(raw: string): string | undefined {
  const email = normEmail(raw.replace(/\s+/g, ''));
  if (email === undefined) return undefined;
  const at = email.lastIndexOf('@');
  const local = (email.slice(0, at).split('+')[0] ?? '').replace(/\./g, '');
  return local === '' ? undefined : `${local}@${email.slice(at + 1)}`;
}

/** E.164 with `+` (`+16505551212`), parsing national numbers with the workspace's default country. */
export function normPhoneE164(raw: string, defaultCountry: string): string | undefined {
  const text = raw.trim();
  const international = text.startsWith('00') ? `+${text.slice(2)}` : text;
  const parsed = parsePhoneNumberFromString(international, defaultCountry.toUpperCase() as CountryCode);
  if (parsed?.isPossible()) return parsed.number;
  const digits = international.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return undefined;
  return international.startsWith('+') ? `+${digits}` : undefined;
}

/** Meta: digits only with the country code, no `+`. */
export function normPhoneDigits(raw: string, defaultCountry: string): string | undefined {
  return normPhoneE164(raw, defaultCountry)?.slice(1);
}

/** Meta fn/ln: lowercase, punctuation removed, non-Latin letters kept. */
export function normName(raw: string): string | undefined {
  return raw.trim().toLowerCase().replace(/\p{P}/gu, '').trim();
}

/** Meta ct: lowercase, no digits, whitespace or punctuation. */
export function normCity(raw: string): string | undefined {
  return raw.toLowerCase().replace(/[\d\s\p{P}]/gu, '');
}

/** Meta st: lowercase 2-letter code for the US; elsewhere lowercase without spaces/punctuation. */
export function normState(raw: string): string | undefined {
  return raw.toLowerCase().replace(/[\d\s\p{P}]/gu, '');
}

/** Meta zp: lowercase, no spaces, part before `-`; US zips keep the first 5 digits. */
export function normZip(raw: string, country?: string): string | undefined {
  const zip = (raw.toLowerCase().replace(/\s+/g, '').split('-')[0] ?? '').trim();
  if (zip.length < 2) return undefined;
  if ((country ?? '').toLowerCase() === 'us' && /^\d{5}/.test(zip)) return zip.slice(0, 5);
  return zip;
}

const COUNTRY_NAMES: Record<string, string> = {
  'united states': 'us',
  'united states of america': 'us',
  usa: 'us',
  'united kingdom': 'gb',
  uk: 'gb',
  'great britain': 'gb',
  germany: 'de',
  france: 'fr',
  canada: 'ca',
  australia: 'au',
  spain: 'es',
  italy: 'it',
  netherlands: 'nl',
  japan: 'jp',
  brazil: 'br',
  india: 'in',
  mexico: 'mx',
};

/** ISO 3166-1 alpha-2, lowercase (`United States` -> `us`). */
export function normCountry(raw: string): string | undefined {
  const text = raw.trim().toLowerCase();
  if (/^[a-z]{2}$/.test(text)) return text;
  return COUNTRY_NAMES[text.replace(/[.]/g, '')];
}

/** Meta ge: f or m. */
export function normGender(raw: string): string | undefined {
  const g = raw.toLowerCase().replace(/[^a-z]/g, '');
  if (g === 'f' || g === 'female') return 'f';
  if (g === 'm' || g === 'male') return 'm';
  return undefined;
}

/** Meta db: YYYYMMDD from `YYYY-MM-DD`, `YYYYMMDD` or US `M/D/YYYY`. */
export function normBirthDate(raw: string): string | undefined {
  const text = raw.trim();
  let m = /^(\d{4})-?(\d{1,2})-?(\d{1,2})$/.exec(text);
  if (m !== null) return `${m[1]}${(m[2] ?? '').padStart(2, '0')}${(m[3] ?? '').padStart(2, '0')}`;
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  if (m !== null) return `${m[3]}${(m[1] ?? '').padStart(2, '0')}${(m[2] ?? '').padStart(2, '0')}`;
  return undefined;
}

/** external_id: trimmed as sent (must match what the browser pixel sends). */
export function normExternalId(raw: string): string | undefined {
  return raw.trim();
}

/** Minor units to a decimal amount using the currency's exponent (4500 USD -> 45, 4900 JPY -> 4900). */
export function majorAmount(valueMinor: number, currency: string): number {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    digits = 2;
  }
  return valueMinor / 10 ** digits;
}

/** The event's value and currency in major units, or undefined when it carries none. */
export function eventValue(event: {
  valueMinor: number | null;
  currency: string | null;
}): { value: number; currency: string } | undefined {
  if (event.valueMinor === null || event.currency === null) return undefined;
  return { value: majorAmount(event.valueMinor, event.currency), currency: event.currency.toUpperCase() };
}

/** Unix seconds. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Drops keys whose value is undefined (payloads must not carry `"key": null` noise). */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) if (value !== undefined) out[key] = value;
  return out as T;
}
