import { type Static, Type } from 'typebox';
import { AppError } from '../../errors/codes.js';
import type { IngestItem } from '../accept.js';
import { oversizedItem } from '../item-size.js';
import { amountOf, compact, fromPageUrl, record, text } from './shared.js';

/**
 * Segment's HTTP tracking API (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/).
 * Shapes are lenient on purpose: Segment libraries send many extra fields; the ones we read are typed.
 */
const Id = Type.Union([Type.String({ maxLength: 512 }), Type.Number()]);
const SegmentMessageFields = {
  type: Type.Optional(Type.String({ maxLength: 32 })),
  messageId: Type.Optional(Type.String({ maxLength: 512 })),
  userId: Type.Optional(Type.Union([Id, Type.Null()])),
  anonymousId: Type.Optional(Type.Union([Id, Type.Null()])),
  event: Type.Optional(Type.String({ maxLength: 256 })),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  traits: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  timestamp: Type.Optional(Type.String({ maxLength: 64 })),
  originalTimestamp: Type.Optional(Type.String({ maxLength: 64 })),
  sentAt: Type.Optional(Type.String({ maxLength: 64 })),
  previousId: Type.Optional(Id),
  groupId: Type.Optional(Id),
  writeKey: Type.Optional(Type.String({ maxLength: 512 })),
};

export const SegmentMessage = Type.Object(SegmentMessageFields, { additionalProperties: true });
export type SegmentMessage = Static<typeof SegmentMessage>;

export const SegmentBatch = Type.Object(
  {
    batch: Type.Array(SegmentMessage, { minItems: 1, maxItems: 5000 }),
    writeKey: Type.Optional(Type.String({ maxLength: 512 })),
    context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    sentAt: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: true },
);
export type SegmentBatch = Static<typeof SegmentBatch>;

export type SegmentType = 'track' | 'identify' | 'page' | 'screen' | 'group' | 'alias';
export const SEGMENT_TYPES: readonly SegmentType[] = ['track', 'identify', 'page', 'screen', 'group', 'alias'];

function eventName(type: SegmentType, message: SegmentMessage): { name: string | undefined; field: string } {
  switch (type) {
    case 'track':
      return { name: message.event, field: 'event' };
    case 'page':
    case 'screen':
      return { name: 'PageView', field: 'name' };
    case 'identify':
      return { name: 'Identify', field: 'type' };
    case 'group':
      return { name: 'Group', field: 'type' };
    case 'alias':
      return { name: 'Alias', field: 'type' };
  }
}

/** One Segment message (track, identify, page, ...) -> one ingest item. */
export function fromSegment(type: SegmentType, message: SegmentMessage, batchContext?: unknown): IngestItem {
  const { name, field } = eventName(type, message);
  if (name === undefined || name.trim() === '') {
    return {
      rejected: new AppError('validation_failed', 'event is required for track calls', 'event'),
      surface: 'segment',
      name,
      raw: message,
    };
  }
  const userId = text(message.userId ?? undefined);
  const anonymousId = text(message.anonymousId ?? undefined);
  const aliasOf = type === 'alias' ? text(message.previousId) : undefined;
  if (userId === undefined && anonymousId === undefined && aliasOf === undefined) {
    return {
      rejected: new AppError('missing_identity', 'send userId or anonymousId', 'userId'),
      surface: 'segment',
      name,
      raw: message,
    };
  }
  const context = { ...record(batchContext), ...record(message.context) };
  const page = record(context.page);
  const properties = { ...record(message.properties) };
  const traits = record(context.traits);
  const identifyTraits = type === 'identify' ? record(message.traits) : {};
  const allTraits = { ...traits, ...identifyTraits };
  const pageUrl = text(page.url) ?? (type === 'page' ? text(properties.url) : undefined);
  const fromUrl = fromPageUrl(pageUrl);
  const campaign = record(context.campaign);
  const utm = compact({
    source: text(campaign.source) ?? fromUrl.utm.source,
    medium: text(campaign.medium) ?? fromUrl.utm.medium,
    campaign: text(campaign.name) ?? fromUrl.utm.campaign,
    content: text(campaign.content) ?? fromUrl.utm.content,
    term: text(campaign.term) ?? fromUrl.utm.term,
  });
  if (type === 'page' || type === 'screen') {
    if (typeof message.name === 'string') properties.name = message.name;
    properties.segmentType = type;
  }
  if (type === 'group') properties.groupId = message.groupId;
  if (type === 'alias') properties.previousId = message.previousId;
  if (type === 'identify') properties.traits = identifyTraits;
  const revenue = amountOf(properties.revenue ?? properties.total ?? properties.value);
  return compact({
    surface: 'segment' as const,
    source: 'segment',
    name,
    dedupKey: message.messageId,
    occurredAt: message.timestamp ?? message.originalTimestamp,
    userData: compact({
      email: text(allTraits.email),
      phone: text(allTraits.phone),
      firstName: text(allTraits.firstName ?? allTraits.first_name),
      lastName: text(allTraits.lastName ?? allTraits.last_name),
      fullName: text(allTraits.name),
      externalId: userId,
      visitorId: anonymousId ?? aliasOf,
      ip: text(context.ip),
      userAgent: text(context.userAgent),
    }),
    clickIds: fromUrl.clickIds,
    context: compact({
      pageUrl,
      referrer: text(page.referrer) ?? (type === 'page' ? text(properties.referrer) : undefined),
      utm: Object.keys(utm).length > 0 ? utm : undefined,
      orderId: text(properties.order_id ?? properties.orderId),
    }),
    properties,
    value: revenue === undefined || Number.isNaN(revenue) ? undefined : revenue,
    currency: text(properties.currency),
    // identify / group / alias carry identity, not conversions: never forwarded to ad platforms.
    doNotForward: type === 'identify' || type === 'group' || type === 'alias',
    raw: message,
    fields: {
      name: field,
      email: 'context.traits.email',
      phone: 'context.traits.phone',
      ip: 'context.ip',
      userAgent: 'context.userAgent',
      occurredAt: 'timestamp',
      value: 'properties.revenue',
      currency: 'properties.currency',
      properties: 'properties',
      dedupKey: 'messageId',
    },
  });
}

function isSegmentType(value: unknown): value is SegmentType {
  return typeof value === 'string' && (SEGMENT_TYPES as readonly string[]).includes(value);
}

/**
 * A Segment batch's messages -> ingest items, each message of a known type and at most 32 KB (the
 * others rejected alone). `request`: its headers let a small plain body skip the per-item size walk.
 */
export function segmentBatchItems(
  body: SegmentBatch,
  request?: { headers: Record<string, string | string[] | undefined> },
): IngestItem[] {
  return body.batch.map((message, index) => {
    const type = message.type;
    if (!isSegmentType(type)) {
      return {
        rejected: new AppError(
          'validation_failed',
          `batch.${index}.type must be one of ${SEGMENT_TYPES.join(', ')}`,
          `batch.${index}.type`,
        ),
        surface: 'segment',
        name: message.event,
        raw: message,
      };
    }
    return oversizedItem(message, 'segment', message.event, request) ?? fromSegment(type, message, body.context);
  });
}
