import { createHash } from 'node:crypto';
import type { UserData } from '../events/stored-event.js';

/**
 * The identifiers an event can carry, and how much each one proves.
 *
 * - `strong` identifiers name one person (or one browser): they find people and may merge them.
 * - `weak` ones (device/network signals) only attach an event to a recent person; they never merge
 *   two existing people. Their values are hashed: they are lookup keys, not data we need to read.
 */
export type IdentifierKind =
  | 'email'
  | 'phone'
  | 'external_id'
  | 'stripe_customer'
  | 'crm_contact'
  | 'visitor_id'
  | 'fingerprint'
  | 'fingerprint_ip'
  | 'ip_ua';

export interface Identifier {
  kind: IdentifierKind;
  value: string;
  strength: 'strong' | 'weak';
}

/** Account ids issued by the customer's own systems: they may join people even when emails differ. */
export const ACCOUNT_KINDS: ReadonlySet<IdentifierKind> = new Set(['external_id', 'stripe_customer', 'crm_contact']);

/**
 * How long a weak identifier keeps matching after it was last seen. IP addresses are shared (offices,
 * carrier NAT) and reassigned, so IP + user agent matches only within a day; a browser fingerprint on the
 * same IP stays useful longer. A bare fingerprint never matches (identical devices share fingerprints).
 */
export const WEAK_MATCH_WINDOW_MS: Partial<Record<IdentifierKind, number>> = {
  fingerprint_ip: 30 * 24 * 3600_000,
  ip_ua: 24 * 3600_000,
};

/** Weak kinds tried in this order when no strong identifier is known. */
export const WEAK_MATCH_ORDER: readonly IdentifierKind[] = ['fingerprint_ip', 'ip_ua'];

function clean(value: string | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function normalizeEmail(value: string | undefined): string | undefined {
  const email = clean(value)?.toLowerCase();
  return email?.includes('@') ? email : undefined;
}

/** Digits only (the seed's normalized form: country code, no symbols); too short to be a phone: dropped. */
export function normalizePhone(value: string | undefined): string | undefined {
  const digits = clean(value)?.replace(/\D/g, '').replace(/^0+/, '');
  return digits !== undefined && digits.length >= 7 ? digits : undefined;
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 40);
}

/** Every identifier in an event's user data, strong ones first, without duplicates. */
export function identifiersOf(user: UserData): Identifier[] {
  const out: Identifier[] = [];
  const add = (kind: IdentifierKind, value: string | undefined, strength: 'strong' | 'weak') => {
    if (value !== undefined) out.push({ kind, value, strength });
  };
  add('email', normalizeEmail(user.email), 'strong');
  add('phone', normalizePhone(user.phone), 'strong');
  add('external_id', clean(user.externalId), 'strong');
  add('stripe_customer', clean(user.stripeCustomerId), 'strong');
  add('crm_contact', clean(user.crmContactId), 'strong');
  add('visitor_id', clean(user.visitorId), 'strong');
  const fingerprint = clean(user.fingerprint);
  const ip = clean(user.ip);
  const ua = clean(user.userAgent);
  if (fingerprint !== undefined) {
    add('fingerprint', digest(fingerprint), 'weak');
    if (ip !== undefined) add('fingerprint_ip', digest(`${fingerprint}|${ip}`), 'weak');
  }
  if (ip !== undefined && ua !== undefined) add('ip_ua', digest(`${ip}|${ua}`), 'weak');
  return out;
}
