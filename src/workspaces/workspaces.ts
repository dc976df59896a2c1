import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../errors/codes.js';
import { newId } from '../ids/ids.js';
import type { Database } from '../storage/schema.js';
import type { WorkspaceTable } from '../storage/tables/foundation.js';
import { assertCountry, assertCurrency, assertTimezone, normalizeDomain } from './validate.js';

export interface Workspace {
  id: string;
  name: string;
  timezone: string;
  currency: string;
  pixelId: string;
  allowedDomains: string[];
  defaultCountry: string;
  createdAt: string;
}

export interface WorkspaceInput {
  name: string;
  timezone?: string | undefined;
  currency?: string | undefined;
  domains?: string[] | undefined;
  defaultCountry?: string | undefined;
}

export function toWorkspace(row: WorkspaceTable): Workspace {
  return {
    id: row.workspace_id,
    name: row.name,
    timezone: row.timezone,
    currency: row.currency,
    pixelId: row.pixel_id,
    allowedDomains: JSON.parse(row.allowed_domains) as string[],
    defaultCountry: row.default_country,
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}

function pixelId(): string {
  return `px_${randomBytes(9).toString('base64url')}`;
}

export async function createWorkspace(
  db: Kysely<Database>,
  input: WorkspaceInput,
  now = Date.now(),
): Promise<Workspace> {
  const name = input.name.trim();
  if (name === '' || name.length > 200) {
    throw new AppError('validation_failed', 'name must be 1 to 200 characters', 'name');
  }
  const row: WorkspaceTable = {
    workspace_id: newId('ws', now),
    name,
    timezone: assertTimezone(input.timezone ?? 'UTC'),
    currency: assertCurrency(input.currency ?? 'USD'),
    pixel_id: pixelId(),
    allowed_domains: JSON.stringify([...new Set((input.domains ?? []).map(normalizeDomain))]),
    default_country: assertCountry(input.defaultCountry ?? 'US'),
    created_at: now,
  };
  await db.insertInto('workspaces').values(row).execute();
  return toWorkspace(row);
}

export async function listWorkspaces(db: Kysely<Database>): Promise<Workspace[]> {
  const rows = await db.selectFrom('workspaces').selectAll().orderBy('workspace_id').execute();
  return rows.map(toWorkspace);
}

export async function getWorkspace(db: Kysely<Database>, workspaceId: string): Promise<Workspace | undefined> {
  const row = await db.selectFrom('workspaces').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
  return row === undefined ? undefined : toWorkspace(row);
}

export async function requireWorkspace(db: Kysely<Database>, workspaceId: string): Promise<Workspace> {
  const workspace = await getWorkspace(db, workspaceId);
  if (workspace === undefined) throw new AppError('not_found', `workspace ${workspaceId} does not exist`, 'workspace');
  return workspace;
}

export async function getWorkspaceByPixelId(db: Kysely<Database>, pixel: string): Promise<Workspace | undefined> {
  const row = await db.selectFrom('workspaces').selectAll().where('pixel_id', '=', pixel).executeTakeFirst();
  return row === undefined ? undefined : toWorkspace(row);
}

export interface WorkspacePatch {
  name?: string | undefined;
  timezone?: string | undefined;
  currency?: string | undefined;
  domains?: string[] | undefined;
  defaultCountry?: string | undefined;
}

export async function updateWorkspace(
  db: Kysely<Database>,
  workspaceId: string,
  patch: WorkspacePatch,
): Promise<Workspace> {
  const values: Partial<WorkspaceTable> = {};
  if (patch.name !== undefined) {
    const name = patch.name.trim();
    if (name === '' || name.length > 200)
      throw new AppError('validation_failed', 'name must be 1 to 200 characters', 'name');
    values.name = name;
  }
  if (patch.timezone !== undefined) values.timezone = assertTimezone(patch.timezone);
  if (patch.currency !== undefined) values.currency = assertCurrency(patch.currency);
  if (patch.defaultCountry !== undefined) values.default_country = assertCountry(patch.defaultCountry);
  if (patch.domains !== undefined)
    values.allowed_domains = JSON.stringify([...new Set(patch.domains.map(normalizeDomain))]);
  if (Object.keys(values).length > 0) {
    await db.updateTable('workspaces').set(values).where('workspace_id', '=', workspaceId).execute();
  }
  return requireWorkspace(db, workspaceId);
}
