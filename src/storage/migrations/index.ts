import type { Migration } from 'kysely';
import * as m0001 from './0001-foundation.js';
import * as m0002 from './0002-core.js';

/**
 * Every migration, in order. Listed by hand (not read from disk) so the compiled package and the
 * TypeScript sources run the same list. Names sort in application order.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-core': m0002,
};
