import { type Static, Type } from 'typebox';
import { AppError } from '../../errors/codes.js';
import type { IngestInput, IngestItem } from '../accept.js';
import { currencyExponent, normalizeCurrency } from '../normalize.js';
import { amountOf, compact } from './shared.js';

const Str = (maxLength = 512) => Type.String({ maxLength });
const Nullable = (maxLength = 512) => Type.Optional(Type.Union([Str(maxLength), Type.Null()]));

/** Lead and sale events (shared/seeds/lead-and-sale-events.txt). */
export const ConversionEvent = Type.Object(
  {
    event: Type.Union([Type.Literal('lead'), Type.Literal('sale')]),
    timestamp: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 64 })])),
    clickId: Type.Optional(Str()),
    customerExternalId: Type.Optional(Str()),
    email: Type.Optional(Str(320)),
    phone: Type.Optional(Str(64)),
    name: Type.Optional(Str(256)),
    mode: Type.Optional(Type.Union([Type.Literal('deferred'), Type.Literal('async'), Type.Literal('wait')])),
    currency: Type.Optional(Str(8)),
    amount: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 32 })])),
    invoiceId: Type.Optional(Str()),
    orderId: Type.Optional(Str()),
    leadId: Type.Optional(Str()),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false, description: 'A lead or sale conversion' },
);
export type ConversionEvent = Static<typeof ConversionEvent>;

function has(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function missing(name: string, raw: unknown): IngestItem {
  return {
    rejected: new AppError(
      'missing_identity',
      'send at least one stable identifier: customerExternalId, email, phone or clickId',
      'customerExternalId',
    ),
    surface: 'conversions',
    name,
    raw,
  };
}

/** Lead dedup: one lead per customer and event name. */
function leadKey(customer: string, eventName: string): string {
  return `lead:${customer}:${eventName}`;
}

export function fromConversion(body: ConversionEvent): IngestItem {
  const customer = [body.customerExternalId, body.email?.trim().toLowerCase(), body.phone, body.clickId].find(has);
  if (customer === undefined) return missing(body.event, body);
  const sale = body.event === 'sale';
  const dedupKey = sale
    ? has(body.invoiceId)
      ? `invoice:${body.invoiceId}`
      : has(body.orderId)
        ? `order:${body.orderId}`
        : undefined
    : has(body.leadId)
      ? `lead:${body.leadId}`
      : leadKey(customer, 'lead');
  const input: IngestInput = {
    surface: 'conversions',
    source: 'conversions',
    name: body.event,
    dedupKey,
    occurredAt: body.timestamp,
    userData: compact({
      email: body.email,
      phone: body.phone,
      fullName: body.name,
      externalId: body.customerExternalId,
    }),
    clickIds: compact({ tp_click_id: body.clickId }),
    context: compact({ orderId: body.orderId, sourceObjectId: body.invoiceId }),
    properties: compact({ ...(body.metadata ?? {}), mode: body.mode }),
    value: sale ? amountOf(body.amount) : undefined,
    currency: body.currency,
    raw: body,
    fields: { name: 'event', occurredAt: 'timestamp', value: 'amount', dedupKey: 'invoiceId' },
  };
  return compact(input);
}

// ---- Dub-compatible /track/lead and /track/sale (https://dub.co/docs/api-reference/endpoint/track-lead) ----

export const DubLead = Type.Object(
  {
    clickId: Type.String({ maxLength: 512 }),
    eventName: Type.String({ minLength: 1, maxLength: 256 }),
    customerExternalId: Type.String({ minLength: 1, maxLength: 512 }),
    customerName: Nullable(256),
    customerEmail: Nullable(320),
    customerAvatar: Nullable(2048),
    mode: Type.Optional(Type.Union([Type.Literal('async'), Type.Literal('wait'), Type.Literal('deferred')])),
    eventQuantity: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    metadata: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  },
  { additionalProperties: true },
);
export type DubLead = Static<typeof DubLead>;

export const DubSale = Type.Object(
  {
    customerExternalId: Type.String({ minLength: 1, maxLength: 512 }),
    amount: Type.Integer({ minimum: 0 }),
    currency: Type.Optional(Type.String({ maxLength: 8 })),
    eventName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    paymentProcessor: Type.Optional(Type.String({ maxLength: 32 })),
    invoiceId: Nullable(),
    metadata: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
    leadEventName: Nullable(256),
    clickId: Nullable(),
    customerName: Nullable(256),
    customerEmail: Nullable(320),
    customerAvatar: Nullable(2048),
  },
  { additionalProperties: true },
);
export type DubSale = Static<typeof DubSale>;

const DUB_FIELDS = {
  name: 'eventName',
  email: 'customerEmail',
  occurredAt: 'timestamp',
  value: 'amount',
  currency: 'currency',
  properties: 'metadata',
  dedupKey: 'invoiceId',
};

export function fromDubLead(body: DubLead): IngestItem {
  const input: IngestInput = {
    surface: 'conversions',
    source: 'dub',
    name: 'lead',
    dedupKey: leadKey(body.customerExternalId, body.eventName),
    userData: compact({
      email: body.customerEmail ?? undefined,
      fullName: body.customerName ?? undefined,
      externalId: body.customerExternalId,
    }),
    clickIds: has(body.clickId) ? { tp_click_id: body.clickId } : {},
    context: {},
    properties: compact({
      ...(body.metadata ?? {}),
      eventName: body.eventName,
      eventQuantity: body.eventQuantity ?? undefined,
      mode: body.mode,
      avatar: body.customerAvatar ?? undefined,
    }),
    raw: body,
    fields: DUB_FIELDS,
  };
  return compact(input);
}

/** Dub sends amounts in minor units (cents) and lower-case currencies. */
export function fromDubSale(body: DubSale, defaultCurrency: string): IngestItem {
  let currency: string;
  try {
    currency = normalizeCurrency(body.currency, defaultCurrency, 'currency');
  } catch (error) {
    return { rejected: error as AppError, surface: 'conversions', name: 'sale', raw: body };
  }
  const input: IngestInput = {
    surface: 'conversions',
    source: 'dub',
    name: 'sale',
    dedupKey: has(body.invoiceId) ? `invoice:${body.invoiceId}` : undefined,
    userData: compact({
      email: body.customerEmail ?? undefined,
      fullName: body.customerName ?? undefined,
      externalId: body.customerExternalId,
    }),
    clickIds: has(body.clickId) ? { tp_click_id: body.clickId } : {},
    context: compact({ sourceObjectId: body.invoiceId ?? undefined }),
    properties: compact({
      ...(body.metadata ?? {}),
      eventName: body.eventName ?? 'Purchase',
      paymentProcessor: body.paymentProcessor ?? 'custom',
      leadEventName: body.leadEventName ?? undefined,
    }),
    value: body.amount / 10 ** currencyExponent(currency),
    currency,
    raw: body,
    fields: DUB_FIELDS,
  };
  return compact(input);
}
