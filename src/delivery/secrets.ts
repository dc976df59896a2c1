import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Storage } from '../storage/database.js';
import type { Database } from '../storage/schema.js';

/**
 * Destination credentials are sealed with AES-256-GCM. The key is `--secret-key` (hashed to 32 bytes)
 * or, when none is configured, 32 random bytes generated once and kept in `settings` ('*', 'secret_key').
 * Sealed form: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export interface Sealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

export function sealerFromKey(key: Buffer): Sealer {
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [
        'v1',
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        data.toString('base64url'),
      ].join('.');
    },
    open(sealed) {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || iv === undefined || tag === undefined || data === undefined) {
        throw new Error('sealed value has an unknown format');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

const cache = new WeakMap<Storage, Promise<Buffer>>();

async function storedKey(db: Kysely<Database>): Promise<Buffer> {
  const fresh = randomBytes(32).toString('base64');
  // insert-if-absent, then read: two processes starting together agree on one key.
  await db
    .insertInto('settings')
    .values({ workspace_id: '*', key: 'secret_key', value: fresh, updated_at: Date.now() })
    .onConflict((oc) => oc.columns(['workspace_id', 'key']).doNothing())
    .execute();
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('workspace_id', '=', '*')
    .where('key', '=', 'secret_key')
    .executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'base64');
}

/**
 * The sealer of this database. `db` is the connection to read the stored key with: inside a
 * transaction pass the transaction (SQLite has one connection, which the transaction holds).
 */
export async function sealerFor(
  storage: Storage,
  secretKey: string | undefined,
  db: Kysely<Database> = storage.db,
): Promise<Sealer> {
  if (secretKey !== undefined) return sealerFromKey(createHash('sha256').update(secretKey).digest());
  let key = cache.get(storage);
  if (key === undefined) {
    key = storedKey(db);
    cache.set(storage, key);
    key.catch(() => cache.delete(storage));
  }
  return sealerFromKey(await key);
}
