import type { Kysely } from 'kysely';
import { DEFAULT_PRIVACY, type PrivacySettings } from '../destinations/types.js';
import { AppError } from '../errors/codes.js';
import type { Database } from '../storage/schema.js';

const KEY = 'delivery.privacy';

/** Per-workspace privacy controls (Meta LDU / data processing options, strip IP and user agent). */
export async function loadPrivacy(db: Kysely<Database>, workspaceId: string): Promise<PrivacySettings> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('workspace_id', '=', workspaceId)
    .where('key', '=', KEY)
    .executeTakeFirst();
  if (row === undefined) return { ...DEFAULT_PRIVACY };
  return { ...DEFAULT_PRIVACY, ...(JSON.parse(row.value) as Partial<PrivacySettings>) };
}

export async function savePrivacy(
  db: Kysely<Database>,
  workspaceId: string,
  patch: Partial<PrivacySettings>,
  now: number,
): Promise<PrivacySettings> {
  const next = { ...(await loadPrivacy(db, workspaceId)), ...patch };
  if (![0, 1].includes(next.ldpCountry))
    throw new AppError('validation_failed', 'ldpCountry must be 0 (geolocate) or 1 (USA)', 'ldpCountry');
  if (![0, 1000].includes(next.ldpState))
    throw new AppError('validation_failed', 'ldpState must be 0 (geolocate) or 1000 (California)', 'ldpState');
  const value = JSON.stringify(next);
  await db
    .insertInto('settings')
    .values({ workspace_id: workspaceId, key: KEY, value, updated_at: now })
    .onConflict((oc) => oc.columns(['workspace_id', 'key']).doUpdateSet({ value, updated_at: now }))
    .execute();
  return next;
}
