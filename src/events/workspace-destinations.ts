import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { type DestinationKind, isDestinationKind } from './destinations.js';

/** The routing-relevant part of a configured destination (the delivery engine owns the table). */
export interface RoutableDestination {
  id: string;
  kind: DestinationKind;
  name: string;
  enabled: boolean;
  eventNameOverrides: Record<string, string>;
}

/** The workspace's live (not deleted) destinations, for explaining routes against real configuration. */
export async function loadRoutableDestinations(
  db: Kysely<Database>,
  workspaceId: string,
  destinationId?: string,
): Promise<RoutableDestination[]> {
  let query = db
    .selectFrom('destinations')
    .select(['destination_id', 'kind', 'name', 'enabled', 'event_name_overrides'])
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .orderBy('destination_id');
  if (destinationId !== undefined) query = query.where('destination_id', '=', destinationId);
  const rows = await query.execute();
  const out: RoutableDestination[] = [];
  for (const row of rows) {
    if (!isDestinationKind(row.kind)) continue;
    out.push({
      id: row.destination_id,
      kind: row.kind,
      name: row.name,
      enabled: Number(row.enabled) === 1,
      eventNameOverrides: JSON.parse(row.event_name_overrides) as Record<string, string>,
    });
  }
  return out;
}
