import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Io } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { closeContext, createContext } from '../src/context/create-context.js';
import { getDestination } from '../src/delivery/destinations.js';
import { accept } from '../src/ingest/accept.js';
import { createWorkspace, requireWorkspace } from '../src/workspaces/workspaces.js';
import { BACKENDS, createTestDatabase, type TestDatabase, testConfig } from './support/backends.js';

function bufferIo(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe.each(BACKENDS)('%s backend: destination and replay CLI', (backend) => {
  let database: TestDatabase;
  let workspaceId: string;

  beforeEach(async () => {
    database = await createTestDatabase(backend);
    const ctx = await createContext(testConfig(database));
    workspaceId = (await createWorkspace(ctx.storage.db, { name: 'CLI' })).id;
    await closeContext(ctx);
  });
  afterEach(async () => database.drop());

  it('adds a destination and prints { id }, stores the token encrypted, and replays', async () => {
    const io = bufferIo();
    const config = JSON.stringify({ pixelId: '123', accessToken: 'EAAsecret-token', baseUrl: 'http://127.0.0.1:9' });
    const code = await main(
      [
        'destination',
        'add',
        '--workspace',
        workspaceId,
        '--type',
        'meta',
        '--config',
        config,
        '--json',
        ...database.flags,
      ],
      io,
      {},
    );
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    const { id } = JSON.parse(io.lines[0] ?? '{}') as { id: string };
    expect(id).toMatch(/^dst_/);

    const ctx = await createContext(testConfig(database));
    try {
      const row = await ctx.storage.db
        .selectFrom('destinations')
        .select('config_sealed')
        .where('destination_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.config_sealed).not.toContain('EAAsecret');
      const view = await getDestination(ctx, workspaceId, id);
      expect(view.config.accessToken).toBe('••••oken');
      expect(view.config.pixelId).toBe('123');
      // a fresh process ingests straight away: the outbox hook unseals credentials inside the ingest transaction
      const workspace = await requireWorkspace(ctx.storage.db, workspaceId);
      const [outcome] = await accept(
        ctx,
        workspace,
        [
          {
            surface: 'capture',
            source: 'api',
            name: 'Purchase',
            userData: { email: 'a@b.co' },
            clickIds: {},
            context: {},
            properties: {},
            value: 1,
            currency: 'USD',
          },
        ],
        { requestId: 'req_cli' },
      );
      expect(outcome?.status).toBe('accepted');
      const rows = await ctx.storage.db.selectFrom('delivery_outbox').select(['status', 'destination_id']).execute();
      expect(rows).toEqual([{ status: 'pending', destination_id: id }]);
    } finally {
      await closeContext(ctx);
    }

    const replay = bufferIo();
    expect(
      await main(
        [
          'replay',
          '--workspace',
          workspaceId,
          '--destination',
          id,
          '--since',
          '2026-01-01',
          '--json',
          ...database.flags,
        ],
        replay,
        {},
      ),
    ).toBe(0);
    expect(JSON.parse(replay.lines[0] ?? '{}')).toEqual({ replayed: 0 });
  });

  it('rejects a bad type or config with exit code 2 naming the field', async () => {
    const io = bufferIo();
    expect(
      await main(
        ['destination', 'add', '--workspace', workspaceId, '--type', 'myspace', '--config', '{}', ...database.flags],
        io,
        {},
      ),
    ).toBe(2);
    const io2 = bufferIo();
    expect(
      await main(
        [
          'destination',
          'add',
          '--workspace',
          workspaceId,
          '--type',
          'meta',
          '--config',
          '{"pixelId":"abc"}',
          ...database.flags,
        ],
        io2,
        {},
      ),
    ).toBe(2);
    expect(io2.errors.join('\n')).toContain('pixelId');
  });

  it('tests a connection (failing stand-in exits non-zero) and removes a destination', async () => {
    const run = async (args: string[]) => {
      const io = bufferIo();
      const code = await main([...args, '--workspace', workspaceId, ...database.flags], io, {});
      return { code, io };
    };
    const added = await run([
      'destination',
      'add',
      '--type',
      'webhook',
      '--config',
      JSON.stringify({ url: 'http://127.0.0.1:9/hook', secret: 'whsec_test_secret_value' }),
      '--json',
    ]);
    expect(added.code).toBe(0);
    const { id } = JSON.parse(added.io.lines[0] ?? '{}') as { id: string };
    // Port 9 refuses connections: the test reports a failure and the command fails.
    const tested = await run(['destination', 'test', id, '--json']);
    expect(tested.code).toBe(1);
    expect(JSON.parse(tested.io.lines[0] ?? '{}')).toMatchObject({ ok: false });
    const removed = await run(['destination', 'remove', id, '--json']);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.io.lines[0] ?? '{}')).toEqual({ id, removed: true });
    const unknownWorkspace = await main(
      ['destination', 'remove', id, '--workspace', 'ws_nope', ...database.flags],
      bufferIo(),
      {},
    );
    expect(unknownWorkspace).toBe(2);
  });
});
