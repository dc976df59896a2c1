import { type Static, Type } from 'typebox';
import { AppError } from '../../errors/codes.js';
import type { ClickIds } from '../../events/stored-event.js';
import type { IngestInput, IngestItem } from '../accept.js';
import { CLICK_ID_PARAMS, compact, fromPageUrl } from './shared.js';

const Str = (maxLength = 1024) => Type.String({ maxLength });

const ClickIdsSchema = Type.Object(Object.fromEntries(CLICK_ID_PARAMS.map((name) => [name, Type.Optional(Str(512))])), {
  additionalProperties: false,
});

/** The canonical capture contract (shared/seeds/canonical-event-taxonomy.txt): `capture("SignUp", {...})`. */
export const CaptureEvent = Type.Object(
  {
    event: Type.String({ minLength: 1, maxLength: 256 }),
    eventId: Type.Optional(Str(512)),
    timestamp: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 64 })])),
    email: Type.Optional(Str(320)),
    phone: Type.Optional(Str(64)),
    externalId: Type.Optional(Str(512)),
    anonymousId: Type.Optional(Str(512)),
    firstName: Type.Optional(Str(256)),
    lastName: Type.Optional(Str(256)),
    pageUrl: Type.Optional(Str(4096)),
    referrer: Type.Optional(Str(4096)),
    ip: Type.Optional(Str(64)),
    userAgent: Type.Optional(Str(1024)),
    clickIds: Type.Optional(ClickIdsSchema),
    value: Type.Optional(Type.Number()),
    currency: Type.Optional(Str(8)),
    properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    doNotForward: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, description: 'A canonical event' },
);
export type CaptureEvent = Static<typeof CaptureEvent>;

export const CaptureBatch = Type.Object(
  { batch: Type.Array(CaptureEvent, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

function has(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

export function fromCapture(body: CaptureEvent): IngestItem {
  const fromUrl = fromPageUrl(body.pageUrl);
  const clickIds: ClickIds = { ...fromUrl.clickIds, ...(body.clickIds ?? {}) };
  const identified =
    has(body.email) ||
    has(body.phone) ||
    has(body.externalId) ||
    has(body.anonymousId) ||
    Object.values(clickIds).some((v) => typeof v === 'string' && v.trim() !== '');
  if (!identified) {
    return {
      rejected: new AppError(
        'missing_identity',
        'send at least one of email, phone, externalId, anonymousId or a click id',
        'email',
      ),
      surface: 'capture',
      name: body.event,
      raw: body,
    };
  }
  const input: IngestInput = {
    surface: 'capture',
    source: 'capture',
    name: body.event,
    dedupKey: body.eventId,
    occurredAt: body.timestamp,
    userData: compact({
      email: body.email,
      phone: body.phone,
      externalId: body.externalId,
      visitorId: body.anonymousId,
      firstName: body.firstName,
      lastName: body.lastName,
      ip: body.ip,
      userAgent: body.userAgent,
    }),
    clickIds,
    context: compact({
      pageUrl: body.pageUrl,
      referrer: body.referrer,
      utm: Object.keys(fromUrl.utm).length > 0 ? fromUrl.utm : undefined,
    }),
    properties: body.properties ?? {},
    value: body.value,
    currency: body.currency,
    doNotForward: body.doNotForward === true,
    raw: body,
  };
  return compact(input);
}
