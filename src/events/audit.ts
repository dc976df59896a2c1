import type { Kysely } from 'kysely';
import { newId } from '../ids/ids.js';
import type { Database } from '../storage/schema.js';

export type AuditSubject = 'routing' | 'platform_name' | 'custom_event';

export interface AuditScope {
  workspaceId: string;
  subject: AuditSubject;
  eventName: string;
  /** Destination kind or id; '' for custom event changes. */
  destination: string;
  actor: string;
  now: number;
}

export interface AuditEntry {
  id: string;
  subject: AuditSubject;
  event: string;
  destination: string | null;
  actor: string;
  at: string;
  before: unknown;
  after: unknown;
}

/** Records one change (who, when, before, after); runs in the caller's transaction. */
export async function recordChange(db: Kysely<Database>, scope: AuditScope, before: unknown, after: unknown) {
  await db
    .insertInto('routing_audit')
    .values({
      workspace_id: scope.workspaceId,
      change_id: newId('chg', scope.now),
      subject: scope.subject,
      event_name: scope.eventName,
      destination: scope.destination,
      actor: scope.actor,
      at: scope.now,
      before: before === null || before === undefined ? null : JSON.stringify(before),
      after: after === null || after === undefined ? null : JSON.stringify(after),
    })
    .execute();
}

/** The workspace's changes, newest first; `before` is a change id cursor from the previous page. */
export async function listChanges(
  db: Kysely<Database>,
  workspaceId: string,
  options: { limit: number; before?: string; event?: string },
): Promise<{ data: AuditEntry[]; nextCursor: string | null }> {
  let query = db
    .selectFrom('routing_audit')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('change_id', 'desc')
    .limit(options.limit + 1);
  if (options.before !== undefined) query = query.where('change_id', '<', options.before);
  if (options.event !== undefined) query = query.where('event_name', '=', options.event);
  const rows = await query.execute();
  const page = rows.slice(0, options.limit);
  return {
    data: page.map((row) => ({
      id: row.change_id,
      subject: row.subject as AuditSubject,
      event: row.event_name,
      destination: row.destination === '' ? null : row.destination,
      actor: row.actor,
      at: new Date(Number(row.at)).toISOString(),
      before: row.before === null ? null : (JSON.parse(row.before) as unknown),
      after: row.after === null ? null : (JSON.parse(row.after) as unknown),
    })),
    nextCursor: rows.length > options.limit ? (page.at(-1)?.change_id ?? null) : null,
  };
}
