import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newId } from '../ids/ids.js';
import type { Database } from '../storage/schema.js';
import { hashSecret, type Principal } from './tokens.js';

const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Dashboard sessions: an admin signs in with an admin token once and gets an HttpOnly cookie, so the
 * UI never keeps the token itself. Stored hashed like tokens.
 */
export async function createSession(
  db: Kysely<Database>,
  workspaceId: string,
  now: number,
): Promise<{ id: string; secret: string; expiresAt: number }> {
  const secret = `tps_${randomBytes(32).toString('base64url')}`;
  const id = newId('ses', now);
  const expiresAt = now + SESSION_TTL_MS;
  await db
    .insertInto('sessions')
    .values({
      workspace_id: workspaceId,
      session_id: id,
      session_hash: hashSecret(secret),
      scope: 'admin',
      created_at: now,
      expires_at: expiresAt,
    })
    .execute();
  return { id, secret, expiresAt };
}

export async function authenticateSession(
  db: Kysely<Database>,
  secret: string,
  now: number,
): Promise<Principal | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select(['workspace_id', 'session_id', 'scope', 'expires_at'])
    .where('session_hash', '=', hashSecret(secret))
    .executeTakeFirst();
  if (row === undefined || Number(row.expires_at) <= now) return undefined;
  return { workspaceId: row.workspace_id, scope: row.scope, actor: row.session_id };
}

export async function deleteSession(db: Kysely<Database>, secret: string): Promise<void> {
  await db.deleteFrom('sessions').where('session_hash', '=', hashSecret(secret)).execute();
}
