import { type Static, Type } from 'typebox';
import { AppError } from '../../errors/codes.js';
import type { IngestInput, IngestItem } from '../accept.js';
import { amountOf, compact } from './shared.js';

const Str = (maxLength = 1024) => Type.String({ maxLength });
const Time = Type.Union([Type.Number(), Type.String({ maxLength: 64 })]);

/**
 * The Cometly-compatible server events API (shared/seeds/server-events-api.txt), field for field,
 * plus tracking_id and do_not_capi. Unknown fields are allowed (integrations send extras) and kept
 * as properties.
 */
export const CometlyEvent = Type.Object(
  {
    event_name: Type.String({ minLength: 1, maxLength: 256 }),
    email: Type.Optional(Str(320)),
    fingerprint: Type.Optional(Str(512)),
    comet_token: Type.Optional(Str(512)),
    ip: Type.Optional(Str(64)),
    full_name: Type.Optional(Str(256)),
    first_name: Type.Optional(Str(256)),
    last_name: Type.Optional(Str(256)),
    user_agent: Type.Optional(Str(1024)),
    phone: Type.Optional(Str(64)),
    event_time: Type.Optional(Time),
    order_id: Type.Optional(Str(256)),
    order_name: Type.Optional(Str(512)),
    checkout_token: Type.Optional(Str(512)),
    amount: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 32 })])),
    currency: Type.Optional(Str(8)),
    idempotency_key: Type.Optional(Str(512)),
    tracking_id: Type.Optional(Str(512)),
    do_not_capi: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true, description: 'A Cometly-compatible server event' },
);
export type CometlyEvent = Static<typeof CometlyEvent>;

const KNOWN = new Set(Object.keys(CometlyEvent.properties));

function present(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/** Identity rule: email, or fingerprint + ip, or comet_token. Names what is missing. */
export function cometlyIdentityError(body: CometlyEvent): AppError | undefined {
  if (present(body.email) || present(body.comet_token)) return undefined;
  if (present(body.fingerprint) && present(body.ip)) return undefined;
  if (present(body.fingerprint)) {
    return new AppError('missing_identity', 'ip is required with fingerprint (or send email or comet_token)', 'ip');
  }
  if (present(body.ip)) {
    return new AppError(
      'missing_identity',
      'fingerprint is required with ip (or send email or comet_token)',
      'fingerprint',
    );
  }
  return new AppError(
    'missing_identity',
    'send email, or fingerprint and ip, or comet_token: none of them was given',
    'email',
  );
}

export function fromCometly(body: CometlyEvent): IngestItem {
  const missing = cometlyIdentityError(body);
  if (missing !== undefined) return { rejected: missing, surface: 'cometly', name: body.event_name, raw: body };
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!KNOWN.has(key)) extra[key] = value;
  // Dedup: the idempotency key, else the order id for purchases (one order is one purchase).
  const orderKey =
    body.event_name.trim().toLowerCase() === 'purchase' && present(body.order_id)
      ? `order:${body.order_id}`
      : undefined;
  const input: IngestInput = {
    surface: 'cometly',
    source: 'api',
    name: body.event_name,
    dedupKey: present(body.idempotency_key) ? body.idempotency_key : orderKey,
    occurredAt: body.event_time,
    userData: compact({
      email: body.email,
      phone: body.phone,
      firstName: body.first_name,
      lastName: body.last_name,
      fullName: body.full_name,
      ip: body.ip,
      userAgent: body.user_agent,
      fingerprint: body.fingerprint,
      visitorId: body.comet_token,
    }),
    clickIds: {},
    context: compact({
      orderId: body.order_id,
      orderName: body.order_name,
      checkoutToken: body.checkout_token,
      trackingId: body.tracking_id,
    }),
    properties: extra,
    value: amountOf(body.amount),
    currency: body.currency,
    doNotForward: body.do_not_capi === true,
    raw: body,
    fields: {
      name: 'event_name',
      email: 'email',
      phone: 'phone',
      ip: 'ip',
      userAgent: 'user_agent',
      occurredAt: 'event_time',
      value: 'amount',
      currency: 'currency',
      properties: 'body',
      dedupKey: 'idempotency_key',
    },
  };
  return compact(input);
}
