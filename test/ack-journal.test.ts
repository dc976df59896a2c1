import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newId } from '../src/ids/ids.js';
import {
  applyLines,
  isOrphan,
  JournalFile,
  type JournalRecord,
  journalDirOf,
  lineOf,
  readLines,
  recordOf,
  replayJournal,
  replayOrphans,
} from '../src/ingest/ack-journal.js';
import { ingestThreadOf, settleInbox } from '../src/ingest/inbox.js';
import type { IngestThread } from '../src/ingest/ingest-thread.js';
import { buildApp } from '../src/server/app.js';
import type { EventLogTable, IngestInboxTable } from '../src/storage/tables/ingest.js';
import { bearer, createTestApp, createTestContext, type TestApp, type TestContext } from './support/backends.js';
import { postCometly, storedEventsOf } from './support/ingest.js';

/**
 * The acknowledgement journal (src/ingest/ack-journal.ts): with the ingest thread, a group of
 * requests with no key to claim is acknowledged once its rows are appended to a file, which the thread
 * applies. Every acknowledged request must reach the database exactly once, whatever stops when.
 */

function logRow(workspaceId: string, requestId: string, payload: string): EventLogTable {
  return {
    workspace_id: workspaceId,
    log_id: newId('log'),
    request_id: requestId,
    surface: 'cometly',
    status: 'accepted',
    http_status: 202,
    event_name: 'lead_generated',
    event_id: newId('evt'),
    error_code: null,
    error_message: null,
    error_field: null,
    payload,
    received_at: Date.now(),
  };
}

function inboxRow(workspaceId: string, requestId: string, body: string): IngestInboxTable {
  return {
    workspace_id: workspaceId,
    inbox_id: newId('inb'),
    request_id: requestId,
    received_at: Date.now(),
    events: 1,
    logged: 0,
    body,
    attempts: 0,
    next_attempt_at: Date.now(),
    last_error: null,
  };
}

/** A record of one request per workspace (the inbox bodies are never processed in these tests). */
function recordFor(...workspaces: string[]): JournalRecord {
  const record: JournalRecord = { log: [], inbox: [] };
  for (const workspaceId of workspaces) {
    const requestId = newId('req');
    record.log.push(logRow(workspaceId, requestId, '{"email":"a@example.com"}'));
    record.inbox.push(inboxRow(workspaceId, requestId, '{"events":[]}'));
  }
  return record;
}

describe('acknowledgement journal lines', () => {
  it('round-trip rows and bodies, tabs, newlines and non-ASCII text included', () => {
    const record: JournalRecord = {
      log: [logRow('ws_1', 'req_1', '{"note":"tab\\there, newline\\nthere, é, 😀"}')],
      inbox: [
        inboxRow('ws_1', 'req_1', '{"events":[{"name":"a\\tb\\nc","city":"Zürich 😀"}]}'),
        inboxRow('ws_2', 'req_2', '{"events":[]}'),
      ],
    };
    const line = lineOf(record);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(recordOf(line.slice(0, -1))).toEqual(record);
  });

  it('with --sync full, appends and syncs lines that read back whole', () => {
    const journal = new JournalFile(mkTemp(), 'full');
    const first = journal.append(recordFor('ws_1'));
    const second = journal.append(recordFor('ws_2'));
    journal.close();
    expect(readLines(journal.path, 0).map((l) => [l.end, l.record.log[0]?.workspace_id])).toEqual([
      [first, 'ws_1'],
      [second, 'ws_2'],
    ]);
  });

  it('refuses a line whose bodies do not match its rows', () => {
    const line = lineOf(recordFor('ws_1', 'ws_2')).slice(0, -1);
    expect(() => recordOf(line.slice(0, line.lastIndexOf('\t')))).toThrow(/bodies/);
  });

  it('reads complete lines with their end positions and ignores a line cut short by a crash', () => {
    const dir = mkTemp();
    const journal = new JournalFile(dir, 'normal');
    const first = journal.append(recordFor('ws_1'));
    const second = journal.append(recordFor('ws_1', 'ws_2'));
    journal.close();
    // What a crash in the middle of a write leaves: part of a line, no newline.
    appendFileSync(journal.path, lineOf(recordFor('ws_3')).slice(0, 40));
    const lines = readLines(journal.path, 0);
    expect(lines.map((l) => l.end)).toEqual([first, second]);
    expect(lines[1]?.record.inbox.map((r) => r.workspace_id)).toEqual(['ws_1', 'ws_2']);
    // From a position: only what follows it.
    expect(readLines(journal.path, first, second).map((l) => l.end)).toEqual([second]);
  });
});

describe('orphan journals', () => {
  it('are files of processes that are gone, or of this pid only before it wrote any', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    expect(isOrphan(`${gone}-abc.jsonl`, false)).toBe(true);
    expect(isOrphan(`${process.ppid}-abc.jsonl`, true)).toBe(false);
    expect(isOrphan(`${process.pid}-abc.jsonl`, true)).toBe(true);
    expect(isOrphan(`${process.pid}-abc.jsonl`, false)).toBe(false);
    expect(isOrphan(`${gone}-abc~${process.ppid}-def.jsonl`, false)).toBe(true);
    expect(isOrphan('not-a-pid.jsonl', true)).toBe(false);
  });
});

const temps: string[] = [];
function mkTemp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tp-journal-'));
  temps.push(dir);
  return dir;
}

describe('sqlite backend: replaying a journal', () => {
  let t: TestContext;
  afterEach(async () => t?.close());

  async function counts(workspaceId: string): Promise<{ log: number; inbox: number }> {
    const db = t.ctx.storage.db;
    const log = await db.selectFrom('events_log').select('log_id').where('workspace_id', '=', workspaceId).execute();
    const inbox = await db
      .selectFrom('ingest_inbox')
      .select('inbox_id')
      .where('workspace_id', '=', workspaceId)
      .execute();
    return { log: log.length, inbox: inbox.length };
  }

  it('writes every line exactly once, per workspace, after a crash that applied part of it', async () => {
    t = await createTestContext('sqlite');
    const file = t.ctx.storage.file as string;
    const journal = new JournalFile(journalDirOf(file), 'normal');
    journal.append(recordFor('ws_a', 'ws_b'));
    journal.append(recordFor('ws_a'));
    journal.append(recordFor('ws_b'));
    journal.append(recordFor('ws_a', 'ws_b'));
    journal.close();
    // The thread had applied the first two lines when the process died.
    const lines = readLines(journal.path, 0);
    const id = journal.path.slice(journal.path.lastIndexOf('/') + 1);
    await t.ctx.writes.enqueue((trx) => applyLines(trx, t.ctx, id, lines.slice(0, 2)));
    expect(await counts('ws_a')).toEqual({ log: 2, inbox: 2 });
    expect(await counts('ws_b')).toEqual({ log: 1, inbox: 1 });

    const replayed = await replayJournal(t.ctx, journal.path);
    expect(replayed).toBe(3);
    expect(await counts('ws_a')).toEqual({ log: 3, inbox: 3 });
    expect(await counts('ws_b')).toEqual({ log: 3, inbox: 3 });
    // The file and its positions are gone; a second replay finds nothing.
    expect(readdirSync(journalDirOf(file))).toEqual([]);
    expect(await t.ctx.storage.db.selectFrom('ingest_journal').selectAll().execute()).toEqual([]);
    expect(await replayJournal(t.ctx, journal.path)).toBe(0);
    expect(await counts('ws_a')).toEqual({ log: 3, inbox: 3 });
  });

  it('skips a workspace up to its own position: another workspace later in the file is still written', async () => {
    t = await createTestContext('sqlite');
    const dir = journalDirOf(t.ctx.storage.file as string);
    const journal = new JournalFile(dir, 'normal');
    journal.append(recordFor('ws_a', 'ws_b'));
    journal.append(recordFor('ws_a'));
    journal.close();
    const lines = readLines(journal.path, 0);
    const id = journal.path.slice(journal.path.lastIndexOf('/') + 1);
    // Applied: both lines for ws_a only (a position per workspace: ws_b's rows of line 1 are not).
    const onlyA = lines.map(({ end, record }) => ({
      end,
      record: {
        log: record.log.filter((r) => r.workspace_id === 'ws_a'),
        inbox: record.inbox.filter((r) => r.workspace_id === 'ws_a'),
      },
    }));
    await t.ctx.writes.enqueue((trx) => applyLines(trx, t.ctx, id, onlyA));
    await replayJournal(t.ctx, journal.path);
    expect(await counts('ws_a')).toEqual({ log: 2, inbox: 2 });
    expect(await counts('ws_b')).toEqual({ log: 1, inbox: 1 });
  });

  it('replays one orphan once when two replays race for it', async () => {
    t = await createTestContext('sqlite');
    const dir = journalDirOf(t.ctx.storage.file as string);
    const journal = new JournalFile(dir, 'normal');
    // More bytes than one replay transaction reads (4 MB), so the two replays interleave.
    const padding = JSON.stringify({ pad: 'x'.repeat(20_000) });
    for (let i = 0; i < 450; i++) {
      const record = recordFor('ws_a');
      for (const row of record.log) row.payload = padding;
      journal.append(record);
    }
    journal.close();
    const results = await Promise.all([replayJournal(t.ctx, journal.path), replayJournal(t.ctx, journal.path)]);
    expect(results.sort((a, b) => a - b)).toEqual([0, 450]);
    expect(await counts('ws_a')).toEqual({ log: 450, inbox: 450 });
  });

  it('replays the orphans of processes that are gone and leaves live ones alone', async () => {
    t = await createTestContext('sqlite');
    const dir = journalDirOf(t.ctx.storage.file as string);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${gone}-0a0a0a.jsonl`), lineOf(recordFor('ws_gone')));
    const live = `${process.ppid}-0b0b0b.jsonl`;
    writeFileSync(join(dir, live), lineOf(recordFor('ws_live')));
    expect(await replayOrphans(t.ctx, dir, false)).toBe(1);
    expect(await counts('ws_gone')).toEqual({ log: 1, inbox: 1 });
    expect(await counts('ws_live')).toEqual({ log: 0, inbox: 0 });
    expect(readdirSync(dir)).toEqual([live]);
  });
});

describe('sqlite backend: a server started without the ingest thread', () => {
  let t: TestContext;
  afterEach(async () => t?.close());

  it('replays the journals a crashed --ingest-thread server left', async () => {
    t = await createTestContext('sqlite');
    const dir = journalDirOf(t.ctx.storage.file as string);
    mkdirSync(dir, { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const record = recordFor('ws_crashed');
    writeFileSync(join(dir, `${gone}-0c0c0c.jsonl`), lineOf(record));
    const app = await buildApp(t.ctx);
    await app.ready();
    try {
      expect(readdirSync(dir)).toEqual([]);
      const log = await t.ctx.storage.db
        .selectFrom('events_log')
        .select('request_id')
        .where('workspace_id', '=', 'ws_crashed')
        .execute();
      expect(log.map((r) => r.request_id)).toEqual([record.log[0]?.request_id]);
    } finally {
      await app.close();
    }
  });
});

describe('sqlite backend: acknowledging through the journal (ingest thread)', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  const burst = async (prefix: string, count: number) => {
    const responses = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        postCometly(t, { event_name: 'lead_generated', email: `${prefix}-${i}@example.com` }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 202));
    return responses.map((r) => (r.json() as { id: string }).id);
  };

  it('acknowledges concurrent requests by journal lines and stores, logs and processes each once', async () => {
    t = await createTestApp('sqlite', { ingestThread: true });
    const thread = ingestThreadOf(t.ctx) as IngestThread;
    const journaled = vi.spyOn(thread, 'journalRecord');
    const ids = await burst('journal', 120);
    expect(journaled).toHaveBeenCalled();

    // The events log shows them (the thread applies the lines within milliseconds).
    const deadline = Date.now() + 1000;
    let logged = 0;
    while (Date.now() < deadline) {
      const rows = await t.ctx.storage.db
        .selectFrom('events_log')
        .select('event_id')
        .where('workspace_id', '=', t.ws.workspace.id)
        .execute();
      logged = rows.length;
      if (logged === ids.length) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(logged).toBe(ids.length);

    // Reads through the API wait for what was acknowledged, journal included.
    const one = await t.app.inject({ method: 'GET', url: `/api/v1/events/${ids[119]}`, headers: bearer(t.ws.read) });
    expect(one.statusCode).toBe(200);

    await settleInbox(t.ctx);
    const stored = (await storedEventsOf(t)).map((r) => r.event_id).sort();
    expect(stored).toEqual([...ids].sort());
    const dir = journalDirOf(t.ctx.storage.file as string);
    await t.app.close();
    // A clean stop applies and deletes the journal.
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    expect(await t.ctx.storage.db.selectFrom('ingest_journal').selectAll().execute()).toEqual([]);
  });

  it('replays what the thread had not applied when it died, in the event loop, exactly once', async () => {
    // The thread applies lines within milliseconds, so the crash must land before it does: tried
    // until one attempt left lines to replay (the fallback logs each replayed journal).
    let replayedEvents = 0;
    for (let attempt = 0; attempt < 8 && replayedEvents === 0; attempt++) {
      await t?.close();
      t = await createTestApp('sqlite', { ingestThread: true });
      const warn = vi.spyOn(t.ctx.log, 'warn');
      const thread = ingestThreadOf(t.ctx) as IngestThread;
      const ids = await burst(`died-${attempt}`, 100);
      // At once: end the worker as a crash would.
      await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(ingestThreadOf(t.ctx)).toBeUndefined();
      const after = await burst(`after-${attempt}`, 10);
      // The fallback's replay runs beside the new requests; settle until both are stored.
      const deadline = Date.now() + 10_000;
      let stored: string[] = [];
      while (Date.now() < deadline) {
        await settleInbox(t.ctx);
        stored = (await storedEventsOf(t)).map((r) => r.event_id);
        if (stored.length >= ids.length + after.length) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(stored.sort()).toEqual([...ids, ...after].sort());
      const log = await t.ctx.storage.db
        .selectFrom('events_log')
        .select('event_id')
        .where('workspace_id', '=', t.ws.workspace.id)
        .execute();
      expect(log.length).toBe(ids.length + after.length);
      for (const [fields, message] of warn.mock.calls as unknown as Array<[{ events?: number }, string]>) {
        if (String(message).includes('replayed an acknowledgement journal')) replayedEvents += fields.events ?? 0;
      }
    }
    expect(replayedEvents).toBeGreaterThan(0);
  });
});

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});
