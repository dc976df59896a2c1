import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../src/events/stored-event.js';
import { recordEventTouchpoints } from '../src/identity/touchpoints.js';
import { newId } from '../src/ids/ids.js';
import { rowWriterOf } from '../src/storage/row-writer.js';
import { BACKENDS, createTestContext, createTestWorkspace, type TestContext } from './support/backends.js';

const AT = Date.parse('2026-10-20T12:00:00Z');

/**
 * The batch hook finds the touches already stored (by click id, by person and by browser) with one
 * lookup per kind, so a click or a visit repeated in a later batch is not stored twice.
 */
describe.each(BACKENDS)('%s backend: touchpoints recorded in batches', (backend) => {
  let t: TestContext;
  let workspaceId: string;
  beforeAll(async () => {
    t = await createTestContext(backend);
    workspaceId = (await createTestWorkspace(t.ctx)).workspace.id;
  });
  afterAll(async () => t?.close());

  const event = (over: {
    personId?: string;
    visitorId?: string;
    clickIds?: StoredEvent['clickIds'];
    pageUrl?: string;
    at: number;
  }): StoredEvent =>
    ({
      workspaceId,
      id: newId('evt', over.at),
      name: 'Lead',
      isCanonical: true,
      originalName: 'Lead',
      source: 'api',
      occurredAt: over.at,
      receivedAt: over.at,
      personId: over.personId ?? null,
      dedupKey: newId('evt', over.at),
      requestId: 'req_test',
      valueMinor: null,
      currency: null,
      userData: over.visitorId === undefined ? {} : { visitorId: over.visitorId },
      clickIds: over.clickIds ?? {},
      context: over.pageUrl === undefined ? {} : { pageUrl: over.pageUrl },
      properties: {},
      doNotForward: false,
    }) as StoredEvent;

  const record = (events: StoredEvent[]) =>
    t.ctx.storage.db
      .transaction()
      .execute((trx) => recordEventTouchpoints(trx, events, AT, rowWriterOf(t.ctx.storage.db)));
  const stored = () =>
    t.ctx.storage.db
      .selectFrom('touchpoints')
      .select(['click_id', 'utm_source', 'person_id', 'visitor_id'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('occurred_at')
      .execute();

  it('stores a repeated click or visit once, and gives an anonymous click the person who repeats it', async () => {
    const newsletter = 'https://shop.example/?utm_source=newsletter&utm_medium=email';
    const social = 'https://shop.example/?utm_source=fb&utm_medium=social';
    await record([
      event({ visitorId: 'vis_1', clickIds: { gclid: 'G1' }, at: AT }),
      event({ personId: 'per_P', pageUrl: newsletter, at: AT + 1000 }),
      event({ visitorId: 'vis_2', pageUrl: social, at: AT + 2000 }),
    ]);
    expect(await stored()).toHaveLength(3);

    await record([
      event({ personId: 'per_P', visitorId: 'vis_1', clickIds: { gclid: 'G1' }, at: AT + 3000 }),
      event({ personId: 'per_P', pageUrl: newsletter, at: AT + 4000 }),
      event({ visitorId: 'vis_2', pageUrl: social, at: AT + 5000 }),
      event({ visitorId: 'vis_3', clickIds: { gclid: 'G2' }, at: AT + 6000 }),
    ]);
    expect(await stored()).toEqual([
      { click_id: 'G1', utm_source: null, person_id: 'per_P', visitor_id: 'vis_1' },
      { click_id: null, utm_source: 'newsletter', person_id: 'per_P', visitor_id: null },
      { click_id: null, utm_source: 'fb', person_id: null, visitor_id: 'vis_2' },
      { click_id: 'G2', utm_source: null, person_id: null, visitor_id: 'vis_3' },
    ]);
  });
});
