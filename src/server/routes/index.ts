import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context/context.js';
import { catalogRoutes } from './catalog/index.js';
import { conversionRoutes } from './conversions/index.js';
import { deliveryRoutes } from './deliveries/index.js';
import { destinationRoutes } from './destinations/index.js';
import { eventRoutes } from './events/index.js';
import { eventsLogRoutes } from './events-log/index.js';
import { ingestRoutes } from './ingest/index.js';
import { linkRoutes } from './links/index.js';
import { peopleRoutes } from './people/index.js';
import { pixelRoutes } from './pixel/index.js';
import { reportRoutes } from './reports/index.js';
import { resultsRoutes } from './results/index.js';
import { segmentRoutes } from './segment/index.js';
import { spendRoutes } from './spend/index.js';
import { systemRoutes } from './system/index.js';
import { workspaceRoutes } from './workspace/index.js';

export type RouteModule = (app: FastifyInstance, ctx: AppContext) => Promise<void>;

/** Every HTTP surface, one module per folder. Add a surface by adding its module here. */
export const ROUTES: RouteModule[] = [
  systemRoutes,
  workspaceRoutes,
  catalogRoutes,
  ingestRoutes,
  segmentRoutes,
  conversionRoutes,
  eventsLogRoutes,
  eventRoutes,
  reportRoutes,
  spendRoutes,
  resultsRoutes,
  pixelRoutes,
  peopleRoutes,
  linkRoutes,
  destinationRoutes,
  deliveryRoutes,
];
