import type { AttributionTables } from './tables/attribution.js';
import type { CatalogTables } from './tables/catalog.js';
import type { CoreTables } from './tables/core.js';
import type { DeliveryTables } from './tables/delivery.js';
import type { FoundationTables } from './tables/foundation.js';
import type { IdentityTables } from './tables/identity.js';
import type { IngestTables } from './tables/ingest.js';

/**
 * The whole database as Kysely sees it: one interface per domain, merged here. Every table's primary
 * key starts with `workspace_id` so the data can be sharded by tenant. Times are integer
 * milliseconds since the epoch (UTC); JSON is stored as text; booleans as 0/1 — identical on both
 * backends.
 */
export interface Database
  extends FoundationTables,
    CoreTables,
    DeliveryTables,
    IngestTables,
    IdentityTables,
    CatalogTables,
    AttributionTables {}
