import type { Kysely } from 'kysely';
import type { AppContext } from '../context/context.js';
import { asObject, optNumber } from '../destinations/config.js';
import { ADAPTERS } from '../destinations/registry.js';
import { type DestinationKind, isDestinationKind, type TestResult } from '../destinations/types.js';
import { AppError } from '../errors/codes.js';
import { createHttpClient, type HttpClient } from '../http/client.js';
import { DEFAULT_TOKEN_URLS, type OAuthRefresh, TokenCache } from '../http/oauth.js';
import { newId } from '../ids/ids.js';
import type { Database } from '../storage/schema.js';
import type { DestinationTable } from '../storage/tables/delivery.js';
import { sealerFor } from './secrets.js';
import { deliveryState } from './state.js';

/** A destination as the API shows it: credentials masked. */
export interface DestinationView {
  id: string;
  type: DestinationKind;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
  eventNameOverrides: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

/** A destination as the worker uses it: parsed settings, credentials in memory only. */
export interface LoadedDestination {
  workspaceId: string;
  id: string;
  kind: DestinationKind;
  name: string;
  enabled: boolean;
  settings: unknown;
  config: Record<string, unknown>;
  eventNameOverrides: Record<string, string>;
  ratePerSecond: number;
  /** Per-request timeout (config `timeoutMs`, else the adapter's). */
  timeoutMs: number;
  /** Refresh-token credentials (config `oauth`): the access token is fetched and cached at send time. */
  oauth: OAuthRefresh | undefined;
}

export interface DestinationInput {
  type: string;
  name?: string | undefined;
  enabled?: boolean | undefined;
  config: unknown;
  eventNameOverrides?: Record<string, string> | undefined;
}

function mask(value: unknown): unknown {
  if (typeof value === 'string') return value.length <= 8 ? '••••' : `••••${value.slice(-4)}`;
  if (value !== null && typeof value === 'object') return '••••';
  return value;
}

export function maskConfig(kind: DestinationKind, config: Record<string, unknown>): Record<string, unknown> {
  const secret = new Set([...ADAPTERS[kind].secretKeys, 'oauth']);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) out[key] = secret.has(key) ? mask(value) : value;
  return out;
}

function parseOAuth(kind: DestinationKind, raw: unknown): OAuthRefresh | undefined {
  if (raw === undefined || raw === null) return undefined;
  const tokenUrlDefault = DEFAULT_TOKEN_URLS[kind];
  if (tokenUrlDefault === undefined) {
    throw new AppError('validation_failed', `config.oauth is not supported for ${kind}`, 'config.oauth');
  }
  const obj = asObject(raw);
  const field = (key: string): string => {
    const value = obj[key];
    if (typeof value !== 'string' || value === '') {
      throw new AppError('validation_failed', `config.oauth.${key} is required`, `config.oauth.${key}`);
    }
    return value;
  };
  const tokenUrl =
    typeof obj.tokenUrl === 'string' && /^https?:\/\//.test(obj.tokenUrl) ? obj.tokenUrl : tokenUrlDefault;
  return {
    tokenUrl,
    clientId: field('clientId'),
    clientSecret: field('clientSecret'),
    refreshToken: field('refreshToken'),
    scope: typeof obj.scope === 'string' ? obj.scope : undefined,
  };
}

/** Validates a config through its adapter; returns the settings and the generic options. */
function validate(
  kind: DestinationKind,
  config: unknown,
): { settings: unknown; ratePerSecond: number; timeoutMs: number; oauth: OAuthRefresh | undefined } {
  const adapter = ADAPTERS[kind];
  const obj = asObject(config);
  const oauth = parseOAuth(kind, obj.oauth);
  // with refresh-token credentials the access token is fetched at send time
  const settings = adapter.parseConfig(oauth === undefined ? obj : { accessToken: 'oauth', ...obj });
  const rate = optNumber(obj, 'rateLimitPerSecond', 0.01, 100_000) ?? adapter.ratePerSecond;
  const timeoutMs = optNumber(obj, 'timeoutMs', 100, 120_000) ?? adapter.timeoutMs;
  return { settings, ratePerSecond: rate, timeoutMs, oauth };
}

/**
 * The destination with a usable access token: refresh-token destinations get a fresh (cached) one;
 * the others are returned as they are.
 */
export async function withAccessToken(
  destination: LoadedDestination,
  http: HttpClient,
  tokens: TokenCache,
  now: number,
): Promise<{ ok: true; destination: LoadedDestination } | { ok: false; error: string; retryable: boolean }> {
  if (destination.oauth === undefined) return { ok: true, destination };
  const token = await tokens.get(destination.id, http, destination.oauth, now);
  if (!token.ok) return token;
  const settings = { ...(destination.settings as Record<string, unknown>), accessToken: token.accessToken };
  return { ok: true, destination: { ...destination, settings } };
}

function checkOverrides(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AppError(
      'validation_failed',
      'eventNameOverrides must map event names to platform names',
      'eventNameOverrides',
    );
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string' || v === '' || v.length > 200) {
      throw new AppError(
        'validation_failed',
        `eventNameOverrides.${k} must be a non-empty string`,
        'eventNameOverrides',
      );
    }
    out[k] = v;
  }
  return out;
}

function toView(row: DestinationTable, config: Record<string, unknown>): DestinationView {
  const kind = row.kind as DestinationKind;
  return {
    id: row.destination_id,
    type: kind,
    name: row.name,
    enabled: Number(row.enabled) === 1,
    config: maskConfig(kind, config),
    eventNameOverrides: JSON.parse(row.event_name_overrides) as Record<string, string>,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}

async function openConfig(
  ctx: AppContext,
  row: DestinationTable,
  db: Kysely<Database> = ctx.storage.db,
): Promise<Record<string, unknown>> {
  const sealer = await sealerFor(ctx.storage, ctx.config.secretKey, db);
  return JSON.parse(sealer.open(row.config_sealed)) as Record<string, unknown>;
}

function invalidate(ctx: AppContext, workspaceId: string): void {
  deliveryState(ctx.storage).destinations.delete(workspaceId);
}

export async function createDestination(
  ctx: AppContext,
  workspaceId: string,
  input: DestinationInput,
): Promise<DestinationView> {
  if (!isDestinationKind(input.type)) {
    throw new AppError('validation_failed', `type must be one of ${Object.keys(ADAPTERS).join(', ')}`, 'type');
  }
  const kind = input.type;
  validate(kind, input.config);
  const config = input.config as Record<string, unknown>;
  const now = ctx.clock.now();
  const sealer = await sealerFor(ctx.storage, ctx.config.secretKey);
  const row: DestinationTable = {
    workspace_id: workspaceId,
    destination_id: newId('dst', now),
    kind,
    name: (input.name ?? ADAPTERS[kind].label).trim().slice(0, 200) || kind,
    enabled: input.enabled === false ? 0 : 1,
    config_sealed: sealer.seal(JSON.stringify(config)),
    event_name_overrides: JSON.stringify(checkOverrides(input.eventNameOverrides)),
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  await ctx.storage.db.insertInto('destinations').values(row).execute();
  invalidate(ctx, workspaceId);
  return toView(row, config);
}

async function requireRow(db: Kysely<Database>, workspaceId: string, destinationId: string): Promise<DestinationTable> {
  const row = await db
    .selectFrom('destinations')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('destination_id', '=', destinationId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined)
    throw new AppError('not_found', `destination ${destinationId} does not exist`, 'destinationId');
  return row;
}

export async function getDestination(
  ctx: AppContext,
  workspaceId: string,
  destinationId: string,
): Promise<DestinationView> {
  const row = await requireRow(ctx.storage.db, workspaceId, destinationId);
  return toView(row, await openConfig(ctx, row));
}

export async function listDestinations(ctx: AppContext, workspaceId: string): Promise<DestinationView[]> {
  const rows = await ctx.storage.db
    .selectFrom('destinations')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .orderBy('destination_id')
    .execute();
  return Promise.all(rows.map(async (row) => toView(row, await openConfig(ctx, row))));
}

export interface DestinationPatch {
  name?: string | undefined;
  enabled?: boolean | undefined;
  /** Merged into the stored config: keys given replace, keys left out (credentials) are kept. */
  config?: Record<string, unknown> | undefined;
  eventNameOverrides?: Record<string, string> | undefined;
}

export async function updateDestination(
  ctx: AppContext,
  workspaceId: string,
  destinationId: string,
  patch: DestinationPatch,
): Promise<DestinationView> {
  const row = await requireRow(ctx.storage.db, workspaceId, destinationId);
  const kind = row.kind as DestinationKind;
  let config = await openConfig(ctx, row);
  const values: Partial<DestinationTable> = { updated_at: ctx.clock.now() };
  if (patch.config !== undefined) {
    config = { ...config, ...patch.config };
    validate(kind, config);
    values.config_sealed = (await sealerFor(ctx.storage, ctx.config.secretKey)).seal(JSON.stringify(config));
  }
  if (patch.name !== undefined) values.name = patch.name.trim().slice(0, 200) || row.name;
  if (patch.enabled !== undefined) values.enabled = patch.enabled ? 1 : 0;
  if (patch.eventNameOverrides !== undefined)
    values.event_name_overrides = JSON.stringify(checkOverrides(patch.eventNameOverrides));
  await ctx.storage.db
    .updateTable('destinations')
    .set(values)
    .where('workspace_id', '=', workspaceId)
    .where('destination_id', '=', destinationId)
    .execute();
  invalidate(ctx, workspaceId);
  return getDestination(ctx, workspaceId, destinationId);
}

/** Soft delete: pending deliveries to it are dropped as skipped; the log stays. */
export async function deleteDestination(
  ctx: AppContext,
  workspaceId: string,
  destinationId: string,
): Promise<DestinationView> {
  const view = await getDestination(ctx, workspaceId, destinationId);
  const now = ctx.clock.now();
  await ctx.storage.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('destinations')
      .set({ deleted_at: now, enabled: 0, updated_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('destination_id', '=', destinationId)
      .execute();
    await trx
      .updateTable('delivery_outbox')
      .set({
        status: 'skipped',
        last_error: 'destination deleted',
        updated_at: now,
        lease_until: null,
        lease_owner: null,
      })
      .where('workspace_id', '=', workspaceId)
      .where('destination_id', '=', destinationId)
      .where('status', '=', 'pending')
      .execute();
  });
  invalidate(ctx, workspaceId);
  return { ...view, enabled: false };
}

async function load(ctx: AppContext, row: DestinationTable, db?: Kysely<Database>): Promise<LoadedDestination> {
  const kind = row.kind as DestinationKind;
  const config = await openConfig(ctx, row, db);
  const { settings, ratePerSecond, timeoutMs, oauth } = validate(kind, config);
  return {
    workspaceId: row.workspace_id,
    id: row.destination_id,
    kind,
    name: row.name,
    enabled: Number(row.enabled) === 1 && row.deleted_at === null,
    settings,
    config,
    eventNameOverrides: JSON.parse(row.event_name_overrides) as Record<string, string>,
    ratePerSecond,
    timeoutMs,
    oauth,
  };
}

export async function loadDestination(
  ctx: AppContext,
  workspaceId: string,
  destinationId: string,
): Promise<LoadedDestination | undefined> {
  const row = await ctx.storage.db
    .selectFrom('destinations')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('destination_id', '=', destinationId)
    .executeTakeFirst();
  return row === undefined ? undefined : load(ctx, row);
}

const CACHE_MS = 2000;

/**
 * Enabled destinations of a workspace, cached for 2 s (changes made in this process invalidate at
 * once; other processes see them within the TTL). Read on the ingest hot path.
 */
export async function enabledDestinations(
  ctx: AppContext,
  db: Kysely<Database>,
  workspaceId: string,
): Promise<LoadedDestination[]> {
  const cache = deliveryState(ctx.storage).destinations;
  const now = Date.now();
  const hit = cache.get(workspaceId);
  if (hit !== undefined && now - hit.at < CACHE_MS) return hit.value as LoadedDestination[];
  const rows = await db
    .selectFrom('destinations')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('enabled', '=', 1)
    .where('deleted_at', 'is', null)
    .execute();
  const value: LoadedDestination[] = [];
  for (const row of rows) {
    try {
      value.push(await load(ctx, row, db));
    } catch (error) {
      ctx.log.warn({ err: error, destinationId: row.destination_id }, 'delivery.destination_unreadable');
    }
  }
  cache.set(workspaceId, { at: now, value });
  return value;
}

export async function testDestination(
  ctx: AppContext,
  workspaceId: string,
  destinationId: string,
): Promise<TestResult> {
  const destination = await loadDestination(ctx, workspaceId, destinationId);
  if (destination === undefined)
    throw new AppError('not_found', `destination ${destinationId} does not exist`, 'destinationId');
  const http = createHttpClient();
  const ready = await withAccessToken(destination, http, new TokenCache(), ctx.clock.now());
  if (!ready.ok) return { ok: false, message: ready.error };
  return ADAPTERS[destination.kind].testConnection(ready.destination.settings, http);
}
