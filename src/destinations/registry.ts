import { googleAdsAdapter } from './google-ads/index.js';
import { linkedInAdapter } from './linkedin/index.js';
import { metaAdapter } from './meta/index.js';
import { microsoftAdapter } from './microsoft/index.js';
import { tiktokAdapter } from './tiktok/index.js';
import type { DestinationAdapter, DestinationKind } from './types.js';
import { warehouseAdapter } from './warehouse/index.js';
import { webhookAdapter } from './webhook/index.js';

/** Every adapter by kind. A new platform adds one folder and one line here. */
export const ADAPTERS: Record<DestinationKind, DestinationAdapter> = {
  meta: metaAdapter as unknown as DestinationAdapter,
  'google-ads': googleAdsAdapter as unknown as DestinationAdapter,
  linkedin: linkedInAdapter as unknown as DestinationAdapter,
  tiktok: tiktokAdapter as unknown as DestinationAdapter,
  microsoft: microsoftAdapter as unknown as DestinationAdapter,
  webhook: webhookAdapter as unknown as DestinationAdapter,
  warehouse: warehouseAdapter as unknown as DestinationAdapter,
};
