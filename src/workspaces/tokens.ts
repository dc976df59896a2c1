import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../errors/codes.js';
import { newId } from '../ids/ids.js';
import type { Database } from '../storage/schema.js';
import type { ApiTokenTable } from '../storage/tables/foundation.js';

export const SCOPES = ['ingest', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** admin may do everything read and ingest may; read and ingest are disjoint. */
export function scopeAllows(granted: Scope, needed: Scope): boolean {
  return granted === needed || granted === 'admin';
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** `tp_ingest_` + 32 random bytes in base62-ish base64url (43 characters). */
export function mintToken(scope: Scope): string {
  return `tp_${scope}_${randomBytes(32).toString('base64url')}`;
}

export interface TokenSummary {
  id: string;
  workspaceId: string;
  name: string;
  scope: Scope;
  /** Shown instead of the token: `tp_ingest_…AbCd`. */
  display: string;
  prefix: string;
  last4: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedToken extends TokenSummary {
  /** The token itself: returned by this call only, never stored. */
  token: string;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(Number(ms)).toISOString();
}

function summarize(row: ApiTokenTable): TokenSummary {
  return {
    id: row.token_id,
    workspaceId: row.workspace_id,
    name: row.name,
    scope: row.scope,
    display: `${row.prefix}…${row.last4}`,
    prefix: row.prefix,
    last4: row.last4,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  };
}

export async function createToken(
  db: Kysely<Database>,
  workspaceId: string,
  scope: Scope,
  name = `${scope} token`,
  now = Date.now(),
): Promise<CreatedToken> {
  const token = mintToken(scope);
  const row: ApiTokenTable = {
    workspace_id: workspaceId,
    token_id: newId('tok', now),
    name,
    scope,
    token_hash: hashSecret(token),
    prefix: `tp_${scope}_`,
    last4: token.slice(-4),
    created_at: now,
    last_used_at: null,
    revoked_at: null,
  };
  await db.insertInto('api_tokens').values(row).execute();
  return { ...summarize(row), token };
}

export async function listTokens(db: Kysely<Database>, workspaceId: string): Promise<TokenSummary[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('token_id')
    .execute();
  return rows.map(summarize);
}

export async function revokeToken(
  db: Kysely<Database>,
  workspaceId: string,
  tokenId: string,
  now = Date.now(),
): Promise<TokenSummary> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('token_id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  const row = await db
    .selectFrom('api_tokens')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('token_id', '=', tokenId)
    .executeTakeFirst();
  if (row === undefined)
    throw new AppError('not_found', `token ${tokenId} does not exist in this workspace`, 'tokenId');
  if (Number(result.numUpdatedRows) === 0 && row.revoked_at === null) {
    throw new AppError('conflict', `token ${tokenId} could not be revoked`);
  }
  return summarize(row);
}

/** Revokes a token and mints a replacement with the same name and scope. */
export async function regenerateToken(
  db: Kysely<Database>,
  workspaceId: string,
  tokenId: string,
  now = Date.now(),
): Promise<CreatedToken> {
  const old = await revokeToken(db, workspaceId, tokenId, now);
  return createToken(db, workspaceId, old.scope, old.name, now);
}

export interface Principal {
  workspaceId: string;
  scope: Scope;
  /** `tok_…` or `ses_…`: who acted, for audit records. */
  actor: string;
}

/** Finds the live token a caller presented; undefined when unknown or revoked. */
export async function authenticateToken(db: Kysely<Database>, token: string): Promise<Principal | undefined> {
  if (!token.startsWith('tp_')) return undefined;
  const row = await db
    .selectFrom('api_tokens')
    .select(['workspace_id', 'token_id', 'scope', 'revoked_at'])
    .where('token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  if (row === undefined || row.revoked_at !== null) return undefined;
  return { workspaceId: row.workspace_id, scope: row.scope, actor: row.token_id };
}
