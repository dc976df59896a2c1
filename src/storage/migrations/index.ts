import type { Migration } from 'kysely';
import * as m0001 from './0001-foundation.js';
import * as m0002 from './0002-core.js';
import * as m0003 from './0003-ingest.js';
import * as m0004 from './0004-catalog.js';
import * as m0005 from './0005-identity.js';
import * as m0006 from './0006-delivery.js';
import * as m0007 from './0007-attribution.js';
import * as m0008 from './0008-ingest-inbox.js';
import * as m0009 from './0009-events-log-by-id.js';
import * as m0010 from './0010-ingest-journal.js';
import * as m0011 from './0011-inbox-log-entries.js';

/**
 * Every migration, in order. Listed by hand (not read from disk) so the compiled package and the
 * TypeScript sources run the same list. Names sort in application order.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-core': m0002,
  '0003-ingest': m0003,
  '0004-catalog': m0004,
  '0005-identity': m0005,
  '0006-delivery': m0006,
  '0007-attribution': m0007,
  '0008-ingest-inbox': m0008,
  '0009-events-log-by-id': m0009,
  '0010-ingest-journal': m0010,
  '0011-inbox-log-entries': m0011,
};
