import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Transaction } from 'kysely';
import type { AppContext } from '../context/context.js';
import { rowWriterOf } from '../storage/row-writer.js';
import type { Database } from '../storage/schema.js';
import type { EventLogTable, IngestInboxTable } from '../storage/tables/ingest.js';
import { acceptedItems, type LoggedCall } from './commit-items.js';
import { unclaimedOutcome } from './dedup-keys.js';
import { inboxRowsOf } from './inbox-rows.js';
import { logRowsOf } from './log-rows.js';

/**
 * The acknowledgement journal (SQLite, with the ingest thread): under load, a group of requests with
 * no dedup key to claim is acknowledged once its rows (events-log rows and inbox rows, exactly what
 * the acknowledging transaction would insert) are appended to this process's journal file, one line
 * per group; the ingest thread then applies the lines to the database in its own transactions.
 *
 * Why: saturated with single events, a quarter of the event loop went to SQLite (the inserts and a
 * commit of ~19 WAL frames per group). An append is one write() of the rows' JSON; the database work
 * moves to the thread, beside the parsing of the next requests, without a round trip per request.
 *
 * Durability is the database's: with `--sync normal` a line is in the OS page cache once written
 * (it survives a crash of the process, as SQLite's WAL does at synchronous=NORMAL); with `--sync full`
 * each append is fdatasync'ed before any of its requests is answered.
 *
 * Exactly once: the transaction that applies lines records, per workspace, the file position it
 * applied up to (`ingest_journal`). A file is replayed from its start after a crash (by the next start
 * of any process on the database, or by the same process if its thread dies) and each workspace's
 * rows are applied only past its recorded position. Files are named `<pid>-<random>.jsonl`; a file
 * whose process is gone, or that names this process but is not its own (a restart that got the same
 * pid, as PID 1 in a container), is an orphan to replay. The thread's side is journal-applier.ts.
 */

/** What one line holds: the rows an acknowledging group writes. */
export interface JournalRecord {
  log: EventLogTable[];
  inbox: IngestInboxTable[];
}

export const JOURNAL_DIR = 'ingest-journal';
/** A file is retired (applied, deleted, a new one started) once it is past this size. */
export const ROTATE_BYTES = 64 * 1024 * 1024;

/** The rows of a group of requests none of which has a dedup key to claim, and its accepted events. */
export function journalRecordOf(
  calls: readonly LoggedCall[],
  now: number,
): { record: JournalRecord; accepted: number } {
  const claimed = calls.map((call) => call.items.map(unclaimedOutcome));
  const accepted = claimed.map(acceptedItems);
  const requests = calls.map((call, i) => ({
    workspaceId: call.workspaceId,
    requestId: call.requestId,
    receivedAt: call.receivedAt,
    events: accepted[i] ?? [],
  }));
  const inbox = inboxRowsOf(requests, now);
  // The accepted events' log entries are in their inbox rows.
  return {
    record: { log: logRowsOf(calls, claimed, 'accepted'), inbox },
    accepted: inbox.reduce((n, row) => n + row.events, 0),
  };
}

/**
 * How far the current journal is written, shared between the event loop (which stores it after each
 * append) and the ingest thread (which applies up to it): `(file number << 32) | bytes`, in one
 * 64-bit word so both halves change at once. A shared word instead of a message per append: posting
 * one cost the event loop ~7% under saturation.
 */
export function publishWritten(word: BigInt64Array, file: number, size: number): void {
  Atomics.store(word, 0, (BigInt(file) << 32n) | BigInt(size));
  // Wakes the thread if it sleeps on the word (a quiet moment); nearly free when it does not.
  Atomics.notify(word, 0);
}

export function readWritten(word: BigInt64Array): { file: number; size: number; raw: bigint } {
  const raw = Atomics.load(word, 0);
  return { file: Number(raw >> 32n), size: Number(raw & 0xffffffffn), raw };
}

/** The journal directory beside a SQLite database file. */
export function journalDirOf(databaseFile: string): string {
  return join(dirname(databaseFile), JOURNAL_DIR);
}

/** This process's journal: appended to by the event loop, one line per acknowledging group. */
export class JournalFile {
  readonly id: string;
  readonly path: string;
  private readonly fd: number;
  /** Bytes written: every line ends at or before it. */
  size = 0;

  constructor(
    dir: string,
    private readonly sync: 'normal' | 'full',
  ) {
    mkdirSync(dir, { recursive: true });
    this.id = `${process.pid}-${randomBytes(6).toString('hex')}.jsonl`;
    this.path = join(dir, this.id);
    this.fd = openSync(this.path, 'ax');
    if (sync === 'full') {
      // The file's name must survive a power loss as its lines do.
      const dirFd = openSync(dir, 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    }
  }

  /** Appends one line; returns the file position after it. Throws if the write fails. */
  append(record: JournalRecord): number {
    const line = lineOf(record);
    const bytes = Buffer.byteLength(line);
    // A regular file takes the whole string in one write; what a short write left goes from a copy.
    const written = writeSync(this.fd, line);
    if (written < bytes) {
      const rest = Buffer.from(line).subarray(written);
      for (let at = 0; at < rest.length; ) at += writeSync(this.fd, rest, at, rest.length - at, null);
    }
    if (this.sync === 'full') fdatasyncSync(this.fd);
    this.size += bytes;
    return this.size;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * A record as one line: its rows as JSON, then each inbox row's body (JSON text already) after a tab,
 * as it is, so it is neither escaped into a JSON string here nor parsed when applied. JSON text holds
 * no raw tab or newline (JSON.stringify escapes both), so both can delimit.
 */
export function lineOf(record: JournalRecord): string {
  let bodies = '';
  const inbox: Array<Omit<IngestInboxTable, 'body'>> = [];
  for (const { body, ...row } of record.inbox) {
    inbox.push(row);
    bodies += `\t${body}`;
  }
  return `${JSON.stringify({ log: record.log, inbox })}${bodies}\n`;
}

/** The record of a line (without its newline). */
export function recordOf(line: string): JournalRecord {
  const parts = line.split('\t');
  const head = JSON.parse(parts[0] ?? '') as { log: EventLogTable[]; inbox: Array<Omit<IngestInboxTable, 'body'>> };
  if (head.inbox.length !== parts.length - 1)
    throw new Error('acknowledgement journal: a line does not hold its bodies');
  // `logged`: 0 in lines written before inbox rows carried log entries.
  return {
    log: head.log,
    inbox: head.inbox.map((row, i) => ({ ...row, logged: row.logged ?? 0, body: parts[i + 1] ?? '' })),
  };
}

/**
 * Whether a journal file is an orphan: its process is gone. Files that name this process count only
 * with `includeOwn`: at startup (before this process wrote any, they are a previous process's that had
 * the same pid, as PID 1 in a container always has), or once its ingest thread died.
 */
export function isOrphan(name: string, includeOwn: boolean): boolean {
  const pid = Number(name.slice(0, name.indexOf('-')));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return includeOwn;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists (another user's).
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The complete lines of `path` between `from` and `to` (byte positions), each with its end position. */
export function readLines(path: string, from: number, to?: number): Array<{ end: number; record: JournalRecord }> {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const until = to === undefined ? size : Math.min(to, size);
    const buffer = Buffer.alloc(Math.max(0, until - from));
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, from + read);
      if (n === 0) break;
      read += n;
    }
    const out: Array<{ end: number; record: JournalRecord }> = [];
    let start = 0;
    for (let i = 0; i < read; i++) {
      if (buffer[i] !== 0x0a) continue;
      // A line cut short by a crash has no newline and was never acknowledged: it is ignored.
      out.push({ end: from + i + 1, record: recordOf(buffer.toString('utf8', start, i)) });
      start = i + 1;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * Applies lines of journal `journalId` in the caller's transaction and records the position reached
 * per workspace. `applied` (workspace -> position) says what is already in the database: rows of a
 * workspace from lines ending at or before its position are skipped. Returns the accepted events
 * written to the inbox.
 */
export async function applyLines(
  trx: Transaction<Database>,
  ctx: AppContext,
  journalId: string,
  lines: ReadonlyArray<{ end: number; record: JournalRecord }>,
  applied: ReadonlyMap<string, number> = new Map(),
): Promise<number> {
  const log: EventLogTable[] = [];
  const inbox: IngestInboxTable[] = [];
  const reached = new Map<string, number>();
  for (const { end, record } of lines) {
    for (const row of record.log) {
      if (end > (applied.get(row.workspace_id) ?? 0)) log.push(row);
      reached.set(row.workspace_id, end);
    }
    for (const row of record.inbox) {
      if (end > (applied.get(row.workspace_id) ?? 0)) inbox.push(row);
      reached.set(row.workspace_id, end);
    }
  }
  const writer = rowWriterOf(ctx.storage.db);
  await writer.insert(trx, 'events_log', log);
  await writer.insert(trx, 'ingest_inbox', inbox);
  for (const [workspaceId, position] of reached) {
    if (position <= (applied.get(workspaceId) ?? 0)) continue;
    await trx
      .insertInto('ingest_journal')
      .values({ workspace_id: workspaceId, journal_id: journalId, position })
      .onConflict((oc) => oc.columns(['workspace_id', 'journal_id']).doUpdateSet({ position }))
      .execute();
  }
  return inbox.reduce((n, row) => n + row.events, 0);
}

/** What the database already holds of a journal: workspace -> position applied. */
export async function appliedPositions(trx: Transaction<Database>, journalId: string): Promise<Map<string, number>> {
  const rows = await trx
    .selectFrom('ingest_journal')
    .select(['workspace_id', 'position'])
    .where('journal_id', '=', journalId)
    .execute();
  return new Map(rows.map((row) => [row.workspace_id, Number(row.position)]));
}

/** Bytes of a journal read per replay transaction (a large orphan is replayed in several). */
const REPLAY_BYTES = 4 * 1024 * 1024;

/** The journal a file holds: its own name, or the name it had before a replay claimed it (`…~<id>`). */
export function journalIdOf(name: string): string {
  const mark = name.indexOf('~');
  return mark === -1 ? name : name.slice(mark + 1);
}

/**
 * Replays a journal file that no running process writes (an orphan, or this process's own after its
 * thread died), then deletes it and its positions. The file is first claimed by renaming it to a name
 * of this process, so two processes never replay one file at once (the loser finds it gone), and a
 * replay cut short by a crash leaves an orphan that the next one finishes. Returns the accepted events
 * written to the inbox.
 */
export async function replayJournal(ctx: AppContext, path: string): Promise<number> {
  const dir = dirname(path);
  const journalId = journalIdOf(basename(path));
  const claimed = join(dir, `${process.pid}-${randomBytes(6).toString('hex')}~${journalId}`);
  try {
    renameSync(path, claimed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let accepted = 0;
  for (let from = 0; ; ) {
    // A few megabytes per transaction, not the whole file in memory; a longer line is read whole.
    const some = readLines(claimed, from, from + REPLAY_BYTES);
    const lines = some.length > 0 ? some : readLines(claimed, from);
    const last = lines.at(-1);
    if (last === undefined) break;
    accepted += await ctx.writes.enqueue(async (trx) =>
      applyLines(trx, ctx, journalId, lines, await appliedPositions(trx, journalId)),
    );
    from = last.end;
  }
  await deleteJournal(ctx, claimed, journalId);
  return accepted;
}

/** Deletes an applied journal file, then its positions. */
export async function deleteJournal(ctx: AppContext, path: string, journalId: string): Promise<void> {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Only once the file is gone: positions without a file are harmless, a file without them is not.
  await ctx.storage.db.deleteFrom('ingest_journal').where('journal_id', '=', journalId).execute();
}

/** Replays every orphan journal in `dir` (see isOrphan). Returns the accepted events written to the inbox. */
export async function replayOrphans(ctx: AppContext, dir: string, includeOwn: boolean): Promise<number> {
  if (!existsSync(dir)) return 0;
  let accepted = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.jsonl') || !isOrphan(name, includeOwn)) continue;
    const count = await replayJournal(ctx, join(dir, name));
    if (count > 0) {
      ctx.log.warn(
        { journal: journalIdOf(name), events: count },
        'replayed an acknowledgement journal left by a stopped process',
      );
    }
    accepted += count;
  }
  return accepted;
}
