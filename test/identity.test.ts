import { afterEach, describe, expect, it } from 'vitest';
import type { UserData } from '../src/events/stored-event.js';
import { identifiersOf } from '../src/identity/identifiers.js';
import { findRoot } from '../src/identity/merge.js';
import { type ResolveInput, resolvePeople, resolvePerson } from '../src/identity/resolve.js';
import { BACKENDS, bearer, createTestApp, createTestWorkspace, type TestApp } from './support/backends.js';

interface PersonBody {
  id: string;
  mergedFrom: string[];
  identifiers: Array<{ kind: string; value: string }>;
  merges: Array<{ from: string; into: string; reason: { via: string } }>;
}

async function cometly(t: TestApp, body: Record<string, unknown>): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/public-api/v1/events',
    headers: bearer(t.ws.ingest),
    payload: body,
  });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return (res.json() as { id: string }).id;
}

async function peopleBy(t: TestApp, query: string, token = t.ws.read): Promise<PersonBody[]> {
  const res = await t.app.inject({ url: `/api/v1/people?${query}`, headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { data: PersonBody[] }).data;
}

async function personOfEvent(t: TestApp, eventId: string): Promise<string | null> {
  const row = await t.ctx.storage.db
    .selectFrom('events')
    .select('person_id')
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  return row.person_id;
}

/** Resolves user data directly (as the ingest hook does), at a chosen event time. */
function resolveAt(t: TestApp, user: UserData, occurredAt: number): Promise<string | null> {
  return t.ctx.storage.db.transaction().execute((trx) =>
    resolvePerson(trx, {
      workspaceId: t.ws.workspace.id,
      identifiers: identifiersOf(user),
      occurredAt,
      now: occurredAt,
      source: 'test',
    }),
  );
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 1);

describe.each(BACKENDS)('%s backend: identity resolution', (backend) => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('joins two devices of one person when the same email is seen on both', async () => {
    t = await createTestApp(backend);
    const v1 = await cometly(t, { event_name: 'view_content', comet_token: 'tpv_device_one' });
    const v2 = await cometly(t, { event_name: 'view_content', comet_token: 'tpv_device_two' });
    const p1 = await personOfEvent(t, v1);
    const p2 = await personOfEvent(t, v2);
    expect(p1).not.toBeNull();
    expect(p1).not.toBe(p2);

    await cometly(t, { event_name: 'lead_generated', comet_token: 'tpv_device_one', email: 'Jane@Example.com' });
    await cometly(t, { event_name: 'sign_up', comet_token: 'tpv_device_two', email: 'jane@example.com' });

    const [jane, ...others] = await peopleBy(t, 'email=jane@example.com');
    expect(others).toHaveLength(0);
    expect(jane?.id).toBe(p1);
    expect(jane?.mergedFrom).toEqual([p2]);
    expect(
      jane?.identifiers
        .filter((i) => i.kind === 'visitor_id')
        .map((i) => i.value)
        .sort(),
    ).toEqual(['tpv_device_one', 'tpv_device_two']);
    expect(jane?.merges).toMatchObject([{ from: p2, into: p1, reason: { via: 'visitor_id' } }]);
    // The second device's earlier event now belongs to the merged person, and the old id still resolves.
    expect(await personOfEvent(t, v2)).toBe(p1);
    expect((await peopleBy(t, 'visitorId=tpv_device_two'))[0]?.id).toBe(p1);
    const old = await t.app.inject({ url: `/api/v1/people/${p2}`, headers: bearer(t.ws.read) });
    expect(old.json()).toMatchObject({ id: p1 });
  });

  it('keeps two people apart when both sign in on one shared device', async () => {
    t = await createTestApp(backend);
    const a = await cometly(t, { event_name: 'sign_up', comet_token: 'tpv_shared', email: 'ann@example.com' });
    const b = await cometly(t, { event_name: 'sign_up', comet_token: 'tpv_shared', email: 'bob@example.com' });
    const ann = await personOfEvent(t, a);
    const bob = await personOfEvent(t, b);
    expect(ann).not.toBe(bob);
    expect((await peopleBy(t, 'email=bob@example.com'))[0]).toMatchObject({ id: bob, mergedFrom: [], merges: [] });
    // The device stays with the person first seen on it.
    expect((await peopleBy(t, 'visitorId=tpv_shared')).map((p) => p.id)).toEqual([ann]);
    // A later event from Ann on that device still resolves by her email.
    const again = await cometly(t, { event_name: 'purchase', comet_token: 'tpv_shared', email: 'ann@example.com' });
    expect(await personOfEvent(t, again)).toBe(ann);
  });

  it('never merges people with different emails on fingerprint and IP alone', async () => {
    t = await createTestApp(backend);
    const device = { fingerprint: 'fp_same_laptop', ip: '203.0.113.7' };
    const a = await cometly(t, { event_name: 'lead_generated', email: 'a@example.com', ...device });
    const b = await cometly(t, { event_name: 'lead_generated', email: 'b@example.com', ...device });
    expect(await personOfEvent(t, a)).not.toBe(await personOfEvent(t, b));
    const merges = await t.ctx.storage.db.selectFrom('person_merges').selectAll().execute();
    expect(merges).toHaveLength(0);
    // Fingerprint + IP alone (the seed's second rule) attaches to the person last seen with them.
    const anon = await cometly(t, { event_name: 'view_content', ...device });
    expect(await personOfEvent(t, anon)).toBe(await personOfEvent(t, b));
  });

  it('resolves a server event by fingerprint + IP to the browser that sent them', async () => {
    t = await createTestApp(backend);
    const view = await cometly(t, {
      event_name: 'view_content',
      comet_token: 'tpv_browser',
      fingerprint: 'fp_browser',
      ip: '198.51.100.20',
    });
    const buy = await cometly(t, {
      event_name: 'purchase',
      fingerprint: 'fp_browser',
      ip: '198.51.100.20',
      amount: 49,
    });
    expect(await personOfEvent(t, buy)).toBe(await personOfEvent(t, view));
    // Another IP is another network: not the same person.
    const elsewhere = await cometly(t, { event_name: 'purchase', fingerprint: 'fp_browser', ip: '192.0.2.1' });
    expect(await personOfEvent(t, elsewhere)).not.toBe(await personOfEvent(t, view));
  });

  it('bounds weak matches in time: IP + user agent for a day, fingerprint + IP for 30 days', async () => {
    t = await createTestApp(backend);
    const office = { ip: '203.0.113.50', userAgent: 'Mozilla/5.0 Office' };
    const known = await resolveAt(t, { email: 'carol@example.com', ...office, fingerprint: 'fp_carol' }, T0);
    expect(await resolveAt(t, office, T0 + 6 * HOUR)).toBe(known);
    expect(await resolveAt(t, office, T0 + 3 * DAY)).not.toBe(known);
    expect(await resolveAt(t, { fingerprint: 'fp_carol', ip: office.ip }, T0 + 20 * DAY)).toBe(known);
    expect(await resolveAt(t, { fingerprint: 'fp_carol', ip: office.ip }, T0 + 60 * DAY)).not.toBe(known);
    // IP + user agent never attaches a new browser (strong id) to a known person.
    const newBrowser = await resolveAt(t, { visitorId: 'tpv_new', ...office }, T0 + HOUR);
    expect(newBrowser).not.toBe(known);
  });

  it('lets an account id join people whose emails differ', async () => {
    t = await createTestApp(backend);
    const work = await resolveAt(t, { email: 'dan@work.example', externalId: 'user-42' }, T0);
    const home = await resolveAt(t, { email: 'dan@home.example' }, T0 + HOUR);
    expect(home).not.toBe(work);
    const joined = await resolveAt(t, { email: 'dan@home.example', externalId: 'user-42' }, T0 + 2 * HOUR);
    expect(joined).toBe(home);
    const [dan] = await peopleBy(t, 'externalId=user-42');
    expect(dan?.id).toBe(home);
    expect(
      dan?.identifiers
        .filter((i) => i.kind === 'email')
        .map((i) => i.value)
        .sort(),
    ).toEqual(['dan@home.example', 'dan@work.example']);
    expect(dan?.merges[0]?.reason.via).toBe('external_id');
  });

  it('gives concurrent first events of one browser a single person', async () => {
    t = await createTestApp(backend);
    const user = { visitorId: 'tpv_racing', fingerprint: 'fp_race', ip: '192.0.2.44', userAgent: 'UA race' };
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => resolveAt(t, user, T0 + i)));
    const found = await peopleBy(t, 'visitorId=tpv_racing');
    expect(found).toHaveLength(1);
    const survivor = found[0]?.id;
    const people = await t.ctx.storage.db.selectFrom('people').select(['person_id', 'merged_into']).execute();
    // Losers of the race (PostgreSQL runs these transactions concurrently) were folded into the survivor.
    for (const p of people) if (p.person_id !== survivor) expect(p.merged_into).toBe(survivor);
    // Every person created along the way resolves to the survivor.
    for (const id of results) {
      const res = await t.app.inject({ url: `/api/v1/people/${id}`, headers: bearer(t.ws.read) });
      expect(res.json()).toMatchObject({ id: survivor });
    }
  });

  it('resolves a batch in one transaction exactly as it resolves events one by one', async () => {
    t = await createTestApp(backend);
    const other = await createTestWorkspace(t.ctx, { name: 'Batch' });
    const users: UserData[] = [
      { visitorId: 'A' },
      { visitorId: 'B' },
      { visitorId: 'A', email: 'x@example.com' },
      { visitorId: 'B', email: 'x@example.com' },
      { visitorId: 'C', email: 'y@example.com' },
      { visitorId: 'C', email: 'z@example.com' },
      { visitorId: 'D', fingerprint: 'f', ip: '192.0.2.9' },
      { fingerprint: 'f', ip: '192.0.2.9' },
      { email: 'z@example.com', externalId: 'acct-1' },
      { email: 'y@example.com', externalId: 'acct-1' },
    ];
    const inputs = (workspaceId: string): ResolveInput[] =>
      users.map((user, i) => ({
        workspaceId,
        identifiers: identifiersOf(user),
        occurredAt: T0 + i * 1000,
        now: T0 + i * 1000,
        source: 'test',
      }));
    const db = t.ctx.storage.db;
    const oneByOne: Array<string | null> = [];
    for (const input of inputs(t.ws.workspace.id)) {
      oneByOne.push(await db.transaction().execute((trx) => resolvePerson(trx, input)));
    }
    const batched = await db.transaction().execute((trx) => resolvePeople(trx, inputs(other.workspace.id)));
    // Compare which events ended up as one person (ids differ between the workspaces).
    const partition = async (workspaceId: string, ids: Array<string | null>) => {
      const roots: string[] = [];
      for (const id of ids) roots.push(id === null ? '-' : await findRoot(db, workspaceId, id));
      return roots.map((r) => roots.indexOf(r));
    };
    const expected = await partition(t.ws.workspace.id, oneByOne);
    expect(await partition(other.workspace.id, batched)).toEqual(expected);
    // x's devices are one person; y and z stayed apart until the account id joined them.
    expect(expected).toEqual([0, 0, 0, 0, 4, 4, 6, 6, 4, 4]);
  });

  it('returns no person for an event without identifiers', async () => {
    t = await createTestApp(backend);
    expect(await resolveAt(t, {}, T0)).toBeNull();
  });

  it('lets an operator merge two people, and keeps workspaces apart', async () => {
    t = await createTestApp(backend);
    const a = await personOfEvent(t, await cometly(t, { event_name: 'sign_up', email: 'erin@example.com' }));
    const b = await personOfEvent(t, await cometly(t, { event_name: 'sign_up', email: 'erin.alt@example.com' }));
    const other = await createTestWorkspace(t.ctx, { name: 'Other' });

    // Another workspace can neither see nor merge these people.
    expect(await peopleBy(t, 'email=erin@example.com', other.read)).toEqual([]);
    const foreign = await t.app.inject({ url: `/api/v1/people/${a}`, headers: bearer(other.read) });
    expect(foreign.statusCode).toBe(404);
    const foreignJourney = await t.app.inject({ url: `/api/v1/people/${a}/journey`, headers: bearer(other.read) });
    expect(foreignJourney.statusCode).toBe(404);
    const foreignMerge = await t.app.inject({
      method: 'POST',
      url: '/api/v1/people/merge',
      headers: bearer(other.admin),
      payload: { from: b, into: a },
    });
    expect(foreignMerge.statusCode).toBe(404);

    const readOnly = await t.app.inject({
      method: 'POST',
      url: '/api/v1/people/merge',
      headers: bearer(t.ws.read),
      payload: { from: b, into: a },
    });
    expect(readOnly.statusCode).toBe(403);

    const merged = await t.app.inject({
      method: 'POST',
      url: '/api/v1/people/merge',
      headers: bearer(t.ws.admin),
      payload: { from: b, into: a, note: 'same customer, confirmed by support' },
    });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json()).toMatchObject({
      id: a,
      mergedFrom: [b],
      merges: [{ from: b, into: a, reason: { via: 'operator' } }],
    });
    expect((await peopleBy(t, 'email=erin.alt@example.com'))[0]?.id).toBe(a);
    const twice = await t.app.inject({
      method: 'POST',
      url: '/api/v1/people/merge',
      headers: bearer(t.ws.admin),
      payload: { from: b, into: a },
    });
    expect(twice.statusCode).toBe(409);
  });

  it('lets an operator alias an identifier to a person', async () => {
    t = await createTestApp(backend);
    const fay = await personOfEvent(t, await cometly(t, { event_name: 'sign_up', email: 'fay@example.com' }));
    const gus = await personOfEvent(t, await cometly(t, { event_name: 'sign_up', email: 'gus@example.com' }));
    const alias = (id: string | null, payload: Record<string, unknown>, token = t.ws.admin) =>
      t.app.inject({ method: 'POST', url: `/api/v1/people/${id}/identifiers`, headers: bearer(token), payload });
    const added = await alias(fay, { kind: 'email', value: 'Fay.Work@Example.com' });
    expect(added.statusCode, added.body).toBe(200);
    expect((await peopleBy(t, 'email=fay.work@example.com'))[0]?.id).toBe(fay);
    // The next event with the alias resolves to Fay.
    const next = await cometly(t, { event_name: 'purchase', email: 'fay.work@example.com', amount: 5 });
    expect(await personOfEvent(t, next)).toBe(fay);
    expect((await alias(fay, { kind: 'email', value: 'fay.work@example.com' })).statusCode).toBe(200);
    const taken = await alias(fay, { kind: 'email', value: 'gus@example.com' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ error: { code: 'conflict', field: 'value' } });
    expect((await alias(gus, { kind: 'email', value: 'not-an-email' })).statusCode).toBe(422);
    expect((await alias(gus, { kind: 'ip', value: '1.2.3.4' })).statusCode).toBe(422);
    expect((await alias(gus, { kind: 'external_id', value: 'g-1' }, t.ws.read)).statusCode).toBe(403);
    const other = await createTestWorkspace(t.ctx, { name: 'Other' });
    expect((await alias(gus, { kind: 'external_id', value: 'g-1' }, other.admin)).statusCode).toBe(404);
  });

  it('validates people queries', async () => {
    t = await createTestApp(backend);
    const none = await t.app.inject({ url: '/api/v1/people', headers: bearer(t.ws.read) });
    expect(none.statusCode).toBe(422);
    expect(none.json()).toMatchObject({ error: { code: 'validation_failed' } });
    const missing = await t.app.inject({ url: '/api/v1/people/per_nope', headers: bearer(t.ws.read) });
    expect(missing.statusCode).toBe(404);
    const anonymous = await t.app.inject({ url: '/api/v1/people?email=x@y.z' });
    expect(anonymous.statusCode).toBe(401);
  });
});
