import type { AppContext } from '../context/context.js';
import { AppError } from '../errors/codes.js';
import { type IngestSurface, resolveEventName } from '../events/aliases.js';
import type { CustomEventDefinition } from '../events/custom-events.js';
import type { ClickIds, EventContext, StoredEvent, UserData } from '../events/stored-event.js';
import { newId } from '../ids/ids.js';
import type { Workspace } from '../workspaces/workspaces.js';
import { type CommitItem, commitEvents } from './commit.js';
import {
  checkKey,
  checkProperties,
  normalizeCurrency,
  normalizeEmail,
  normalizeIp,
  normalizeName,
  normalizePhone,
  normalizeTime,
  parseUserAgent,
  toMinorUnits,
} from './normalize.js';
import { redactedJson } from './redact.js';
import { cachedCustomEvents, invalidateWorkspaceCache } from './workspace-cache.js';

/** Which request field each normalized value came from, so a 422 names the caller's field. */
export interface FieldNames {
  name?: string;
  email?: string;
  phone?: string;
  ip?: string;
  userAgent?: string;
  occurredAt?: string;
  value?: string;
  currency?: string;
  properties?: string;
  dedupKey?: string;
}

export interface IngestInput {
  surface: IngestSurface;
  /** api | capture | segment | conversions | dub | pixel | stripe | ... */
  source: string;
  /** The event name as sent. */
  name: string;
  /** idempotency key / eventId / messageId / invoiceId (the surface decides); absent: the new event id. */
  dedupKey?: string;
  /** unix s, ms or ISO 8601; default now */
  occurredAt?: number | string;
  userData: UserData;
  clickIds: ClickIds;
  context: EventContext;
  properties: Record<string, unknown>;
  /** Decimal amount in major units of `currency` (45.00 USD, 4900 JPY). */
  value?: number;
  currency?: string;
  doNotForward?: boolean;
  /** The payload as received, for the events log (redacted there). */
  raw?: unknown;
  /** Request field names, when the surface's differ from the capture API's. */
  fields?: FieldNames;
}

/** An item the surface already rejected (missing identity, bad shape): logged with the request. */
export interface RejectedInput {
  rejected: AppError;
  surface: string;
  name?: string | undefined;
  raw?: unknown;
}

export type IngestItem = IngestInput | RejectedInput;

export type AcceptOutcome =
  | { status: 'accepted'; id: string }
  | { status: 'duplicate'; id: string }
  | { status: 'rejected'; error: AppError };

const DEFAULT_FIELDS: Required<FieldNames> = {
  name: 'event',
  email: 'email',
  phone: 'phone',
  ip: 'ip',
  userAgent: 'userAgent',
  occurredAt: 'timestamp',
  value: 'value',
  currency: 'currency',
  properties: 'properties',
  dedupKey: 'eventId',
};

function isRejected(item: IngestItem): item is RejectedInput {
  return 'rejected' in item;
}

/**
 * The one ingestion pipeline: normalize, resolve the name through the catalog, dedup, and commit
 * each event with its person, hooks (touchpoints, outbox) and events-log row in one group-committed
 * transaction. Resolves only after the commit, so an acknowledged event is durable and visible.
 */
export interface AcceptMeta {
  requestId: string;
  /**
   * The caller only needs each item's outcome (id, accepted or duplicate), not its person or rows:
   * under load the request may be acknowledged once its keys are claimed and it is in the durable
   * inbox, and processed moments later (see commit.ts). HTTP ingestion surfaces set it.
   */
  deferrable?: boolean;
}

export async function accept(
  ctx: AppContext,
  workspace: Workspace,
  inputs: IngestInput[],
  meta: AcceptMeta,
): Promise<AcceptOutcome[]> {
  return acceptItems(ctx, workspace, inputs, meta);
}

export async function acceptItems(
  ctx: AppContext,
  workspace: Workspace,
  items: IngestItem[],
  meta: AcceptMeta,
): Promise<AcceptOutcome[]> {
  const now = ctx.clock.now();
  let commit = prepareItems(items, workspace, await cachedCustomEvents(ctx, workspace.id), meta.requestId, now);
  // An unknown name may be a custom event defined within the cache's second: look again, uncached.
  if (commit.some(isUnknownEvent)) {
    invalidateWorkspaceCache(ctx, workspace.id);
    const fresh = await cachedCustomEvents(ctx, workspace.id);
    commit = commit.map((c, i) =>
      isUnknownEvent(c)
        ? (prepareItems([items[i] as IngestItem], workspace, fresh, meta.requestId, now)[0] as CommitItem)
        : c,
    );
  }
  return commitEvents(ctx, workspace.id, meta.requestId, now, commit, { deferrable: meta.deferrable === true });
}

function isUnknownEvent(item: CommitItem): boolean {
  return item.kind === 'rejected' && item.error.code === 'unknown_event';
}

/**
 * Each item as it goes to storage: an event (normalized, named, with its id and redacted payload) or a
 * rejection with the reason. Pure: the HTTP path and the journal's processor (journal.ts) share it.
 */
export function prepareItems(
  items: readonly IngestItem[],
  workspace: Workspace,
  customEvents: readonly CustomEventDefinition[],
  requestId: string,
  now: number,
): CommitItem[] {
  return items.map((item) => {
    if (isRejected(item)) {
      const payload = redactedJson(item.raw);
      return { kind: 'rejected', error: item.rejected, surface: item.surface, name: item.name, payload };
    }
    try {
      const event = prepareEvent(item, workspace, customEvents, requestId, now);
      return { kind: 'event', key: event, event, surface: item.surface, payload: redactedJson(item.raw ?? item) };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const payload = redactedJson(item.raw ?? item);
      return { kind: 'rejected', error, surface: item.surface, name: item.name, payload };
    }
  });
}

function str(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}

/** Identifiers end up in indexed identity tables: bounded, printable text. */
function cleanIdentifier(value: string | undefined, field: string): string | undefined {
  const text = str(value);
  return text === undefined ? undefined : checkKey(text, field, 512);
}

export function normalizeUserData(data: UserData, workspace: Workspace, fields: Required<FieldNames>): UserData {
  const out: UserData = {};
  for (const [key, raw] of Object.entries(data) as Array<[keyof UserData, string | undefined]>) {
    const value = str(raw);
    if (value === undefined) continue;
    switch (key) {
      case 'email':
        out.email = normalizeEmail(checkKey(value, fields.email, 320), fields.email);
        break;
      case 'phone':
        out.phone = normalizePhone(checkKey(value, fields.phone, 64), workspace.defaultCountry, fields.phone);
        break;
      case 'ip':
        out.ip = normalizeIp(value, fields.ip);
        break;
      case 'firstName':
      case 'lastName':
      case 'fullName':
        out[key] = normalizeName(value, key);
        break;
      case 'userAgent':
        if (value.length > 1024) {
          throw new AppError(
            'validation_failed',
            `${fields.userAgent} is longer than 1024 characters`,
            fields.userAgent,
          );
        }
        out.userAgent = value;
        break;
      default:
        out[key] = cleanIdentifier(value, key);
    }
  }
  return out;
}

function cleanClickIds(clickIds: ClickIds): ClickIds {
  const out: ClickIds = {};
  for (const [key, raw] of Object.entries(clickIds) as Array<[keyof ClickIds, string | undefined]>) {
    const value = cleanIdentifier(raw, key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export function prepareEvent(
  input: IngestInput,
  workspace: Workspace,
  customEvents: readonly CustomEventDefinition[],
  requestId: string,
  now: number,
): StoredEvent {
  const fields = input.fields === undefined ? DEFAULT_FIELDS : { ...DEFAULT_FIELDS, ...input.fields };
  const originalName = checkKey(input.name, fields.name);
  const resolved = resolveEventName(originalName, input.surface, customEvents);
  if (resolved.kind === 'unknown')
    throw new AppError('unknown_event', `${fields.name}: ${resolved.message}`, fields.name);

  const userData = normalizeUserData(input.userData, workspace, fields);
  const context: EventContext = { ...input.context };
  if (userData.userAgent !== undefined) context.userAgentParsed = parseUserAgent(userData.userAgent);

  const custom = resolved.kind === 'custom' ? customEvents.find((c) => c.key === resolved.name) : undefined;
  const currency = normalizeCurrency(
    str(input.currency) ?? custom?.defaultCurrency ?? undefined,
    workspace.currency,
    fields.currency,
  );
  const value = input.value ?? custom?.defaultValue ?? undefined;
  const valueMinor = value === undefined || value === null ? null : toMinorUnits(value, currency, fields.value);

  const id = newId('evt', now);
  const dedupKey = input.dedupKey === undefined ? undefined : str(input.dedupKey);
  return {
    workspaceId: workspace.id,
    id,
    name: resolved.name,
    isCanonical: resolved.kind === 'canonical',
    originalName,
    source: input.source,
    occurredAt: normalizeTime(input.occurredAt, now, fields.occurredAt),
    receivedAt: now,
    personId: null,
    // No key from the caller: the event's own id, which can never collide.
    dedupKey: dedupKey === undefined ? id : checkKey(dedupKey, fields.dedupKey, 512),
    requestId,
    valueMinor,
    currency: valueMinor === null ? null : currency,
    userData,
    clickIds: cleanClickIds(input.clickIds),
    context,
    properties: checkProperties(input.properties, fields.properties),
    doNotForward: input.doNotForward === true,
  };
}
