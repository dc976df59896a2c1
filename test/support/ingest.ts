import { expect } from 'vitest';
import { bearer, type TestApp } from './backends.js';

/** Ingestion test helpers shared by the in-process and ingest-thread suites. */

/** POSTs one Cometly-style event with the workspace's ingest token. */
export function postCometly(t: TestApp, payload: object) {
  return t.app.inject({ method: 'POST', url: '/public-api/v1/events', headers: bearer(t.ws.ingest), payload });
}

/** The stored events of the test workspace. */
export function storedEventsOf(t: TestApp) {
  return t.ctx.storage.db
    .selectFrom('events')
    .select(['event_id', 'dedup_key', 'person_id', 'source'])
    .where('workspace_id', '=', t.ws.workspace.id)
    .execute();
}

interface Response {
  statusCode: number;
  json(): unknown;
}

/**
 * Sends `total` Cometly events at once over `keys` idempotency keys (key-0 .. key-<keys-1>) and checks
 * the answers: per key exactly one 202 acceptance, every repeat a 200 duplicate naming the same event.
 * Returns the accepted event ids, key by key.
 */
export async function postOverSharedKeys(
  post: (body: object) => Promise<Response>,
  prefix: string,
  total: number,
  keys: number,
): Promise<string[]> {
  const bodies = Array.from({ length: total }, (_, i) => ({
    event_name: 'lead_generated',
    email: `${prefix}-${i % keys}@example.com`,
    idempotency_key: `key-${i % keys}`,
  }));
  const responses = await Promise.all(bodies.map(post));
  const byKey = new Map<string, Array<{ status: number; id: string; state: string }>>();
  for (const [i, res] of responses.entries()) {
    const body = res.json() as { id: string; status: string };
    const key = `key-${i % keys}`;
    byKey.set(key, [...(byKey.get(key) ?? []), { status: res.statusCode, id: body.id, state: body.status }]);
  }
  for (const answers of byKey.values()) {
    expect(answers.filter((a) => a.status === 202 && a.state === 'accepted')).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200 && a.state === 'duplicate')).toHaveLength(answers.length - 1);
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
  }
  return [...byKey.values()].map((answers) => answers[0]?.id as string);
}
