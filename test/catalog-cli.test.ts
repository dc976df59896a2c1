import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from './support/backends.js';

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (line) => out.push(line), err: (line) => err.push(line) };
  const code = await main(args, io, {});
  return { code, out, err };
}

describe.each(BACKENDS)('%s backend: touchpoint event', (backend) => {
  let database: TestDatabase;
  let workspace: string;
  let other: string;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    const a = await run(['workspace', 'create', '--name', 'A', '--json', ...database.flags]);
    const b = await run(['workspace', 'create', '--name', 'B', '--json', ...database.flags]);
    workspace = (JSON.parse(a.out[0] ?? '{}') as { id: string }).id;
    other = (JSON.parse(b.out[0] ?? '{}') as { id: string }).id;
  });
  afterAll(async () => database?.drop());

  it('defines, updates, lists and archives custom events', async () => {
    const flags = ['--workspace', workspace, ...database.flags];
    const defined = await run([
      'event',
      'define',
      'trial.activated',
      '--name',
      'Trial activated',
      '--slot',
      '3',
      '--value',
      '49',
      '--currency',
      'usd',
      '--tag',
      'plan:pro',
      '--tag',
      'revenue',
      '--destination-name',
      'meta=TrialActivated',
      '--json',
      ...flags,
    ]);
    expect(defined.err).toEqual([]);
    expect(defined.code).toBe(0);
    expect(JSON.parse(defined.out[0] ?? '{}')).toEqual({
      key: 'trial.activated',
      displayName: 'Trial activated',
      slot: 3,
      defaultValue: 49,
      defaultCurrency: 'USD',
      tags: ['plan:pro', 'revenue'],
      destinationNames: { meta: 'TrialActivated' },
      archived: false,
    });

    const updated = await run(['event', 'define', 'trial.activated', '--slot', 'none', '--json', ...flags]);
    expect(JSON.parse(updated.out[0] ?? '{}')).toMatchObject({ slot: null, displayName: 'Trial activated' });

    const table = await run(['event', 'list', ...flags]);
    expect(table.out[0]).toMatch(/^KEY\s+NAME/);
    expect(table.out[1]).toMatch(/^trial\.activated\s+Trial activated/);

    const explained = await run(['event', 'explain', 'trial.activated', '--json', ...flags]);
    expect(JSON.parse(explained.out[0] ?? '{}')).toMatchObject({
      resolution: 'custom',
      destinations: { meta: { send: true, platformEventName: 'TrialActivated' } },
    });

    const archived = await run(['event', 'archive', 'trial.activated', '--json', ...flags]);
    expect(JSON.parse(archived.out[0] ?? '{}')).toMatchObject({ archived: true });
    expect(JSON.parse((await run(['event', 'list', '--json', ...flags])).out[0] ?? '{}')).toEqual({ customEvents: [] });
    const all = JSON.parse((await run(['event', 'list', '--all', '--json', ...flags])).out[0] ?? '{}') as {
      customEvents: unknown[];
    };
    expect(all.customEvents).toHaveLength(1);

    // the other workspace has none of them
    const theirs = await run(['event', 'list', '--all', '--json', '--workspace', other, ...database.flags]);
    expect(JSON.parse(theirs.out[0] ?? '{}')).toEqual({ customEvents: [] });
  });

  it('reports bad input as usage errors', async () => {
    const flags = ['--workspace', workspace, ...database.flags];
    const reserved = await run(['event', 'define', 'purchase', ...flags]);
    expect(reserved.code).toBe(2);
    expect(reserved.err[0]).toMatch(/canonical event Purchase/);
    const slot = await run(['event', 'define', 'x.y', '--slot', '26', ...flags]);
    expect(slot.code).toBe(2);
    const pair = await run(['event', 'define', 'x.y', '--destination-name', 'meta', ...flags]);
    expect(pair.code).toBe(2);
    const missing = await run(['event', 'archive', 'nope', ...flags]);
    expect(missing.code).toBe(2);
  });

  it('prints the catalog without a database', async () => {
    const res = await run(['event', 'catalog', '--stage', 'revenue', '--json']);
    const events = (JSON.parse(res.out[0] ?? '{}') as { events: Array<{ name: string }> }).events.map((e) => e.name);
    expect(events).toEqual(expect.arrayContaining(['Purchase', 'Refund', 'PlanDowngrade']));
  });
});
