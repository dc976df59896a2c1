import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context/context.js';
import { systemRoutes } from './system/index.js';
import { workspaceRoutes } from './workspace/index.js';

export type RouteModule = (app: FastifyInstance, ctx: AppContext) => Promise<void>;

/** Every HTTP surface, one module per folder. Add a surface by adding its module here. */
export const ROUTES: RouteModule[] = [systemRoutes, workspaceRoutes];
