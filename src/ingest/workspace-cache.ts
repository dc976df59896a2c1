import type { AppContext } from '../context/context.js';
import { type CustomEventDefinition, loadCustomEvents } from '../events/custom-events.js';
import { getWorkspace, type Workspace } from '../workspaces/workspaces.js';

/**
 * Per-workspace data the hot path reads on every request (the workspace row for currency and phone
 * country, the custom event definitions for name resolution), cached for one second. A change made
 * through the API or the CLI is therefore seen by every process within a second.
 */
export const WORKSPACE_CACHE_TTL_MS = 1000;

interface Entry<T> {
  value: Promise<T>;
  until: number;
}

interface Caches {
  workspaces: Map<string, Entry<Workspace | undefined>>;
  customEvents: Map<string, Entry<CustomEventDefinition[]>>;
}

const CACHES = new WeakMap<AppContext, Caches>();

function cachesOf(ctx: AppContext): Caches {
  let caches = CACHES.get(ctx);
  if (caches === undefined) {
    caches = { workspaces: new Map(), customEvents: new Map() };
    CACHES.set(ctx, caches);
  }
  return caches;
}

function cached<T>(map: Map<string, Entry<T>>, key: string, now: number, load: () => Promise<T>): Promise<T> {
  const hit = map.get(key);
  if (hit !== undefined && hit.until > now) return hit.value;
  const value = load();
  // A failed load is not cached: the next request tries again.
  value.catch(() => map.delete(key));
  if (map.size > 10_000) map.clear();
  map.set(key, { value, until: now + WORKSPACE_CACHE_TTL_MS });
  return value;
}

export function cachedWorkspace(ctx: AppContext, workspaceId: string): Promise<Workspace | undefined> {
  const now = Date.now();
  return cached(cachesOf(ctx).workspaces, workspaceId, now, () => getWorkspace(ctx.storage.db, workspaceId));
}

export function cachedCustomEvents(ctx: AppContext, workspaceId: string): Promise<CustomEventDefinition[]> {
  const now = Date.now();
  return cached(cachesOf(ctx).customEvents, workspaceId, now, () => loadCustomEvents(ctx.storage.db, workspaceId));
}

/** Drops a workspace's cached data (after a change made in this process). */
export function invalidateWorkspaceCache(ctx: AppContext, workspaceId: string): void {
  const caches = cachesOf(ctx);
  caches.workspaces.delete(workspaceId);
  caches.customEvents.delete(workspaceId);
}
