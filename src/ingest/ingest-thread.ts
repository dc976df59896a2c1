import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AppContext } from '../context/context.js';
import { wakeWorkers } from '../delivery/state.js';
import type { ErrorCode } from '../errors/codes.js';
import {
  JournalFile,
  type JournalRecord,
  journalDirOf,
  journalRecordOf,
  publishWritten,
  ROTATE_BYTES,
} from './ack-journal.js';
import type { CommitItem, CommitOutcome, EventKey } from './commit-items.js';
import { needsClaim } from './dedup-keys.js';
import { PROBE_MS } from './processing-share.js';

/**
 * The ingest thread (SQLite): a worker thread with its own connection to the same database file that
 * commits what ingestion acknowledges (dedup claims, events-log rows, inbox or events) and runs the
 * inbox processor. The event loop is left with HTTP and validation, so on a multi-core machine the
 * database work of one request runs beside the parsing of the next instead of after it.
 *
 * SQLite has one writer at a time: the main thread's other writes (API calls, delivery) wait for the
 * thread's transactions as they would for another process's (busy_timeout); its own transactions are
 * short. Outcomes are the same as in process: the thread runs the same commit code (commit.ts) on its
 * own context and answers each request only after its transaction committed.
 */

/**
 * An item as it crosses to the thread. An event travels as JSON text (copied, not structurally cloned,
 * and queued in the inbox without being parsed) with the few fields its claim and log row need; a
 * rejection as its code, message and field.
 */
export type WireItem =
  | { kind: 'event'; key: EventKey; json: string; surface: string; payload: string }
  | {
      kind: 'rejected';
      code: ErrorCode;
      message: string;
      field: string | undefined;
      surface: string;
      name: string | undefined;
      payload: string;
    };

export interface WireCall {
  seq: number;
  workspaceId: string;
  requestId: string;
  receivedAt: number;
  deferrable: boolean;
  items: WireItem[];
}

/** Per item: the owner's event id when it is a duplicate, else null (accepted, or rejected as sent). */
export type WireResult = { seq: number; duplicates: Array<string | null> } | { seq: number; error: string };

/** What the thread's inbox did since its last report (the main thread mirrors it for metrics and reads). */
export interface InboxReport {
  backlog: number;
  /** Events applied from acknowledgement journals since the thread started (a running total). */
  journaled: number;
  inline: number;
  deferred: number;
  failedPasses: number;
}

export type ToThread =
  | { type: 'commit'; calls: WireCall[] }
  /** A new acknowledgement journal: its lines are applied up to what the shared word says is written. */
  | { type: 'journal'; file: number; path: string; id: string }
  /** The journal will not grow past `size`: once applied, delete it. */
  | { type: 'retire'; file: number; size: number }
  | { type: 'flush'; seq: number }
  | { type: 'stop'; seq: number };

export type FromThread =
  | { type: 'ready' }
  | { type: 'committed'; results: WireResult[]; report: InboxReport }
  | { type: 'flushed'; seq: number; report: InboxReport }
  | { type: 'stopped'; seq: number; report: InboxReport }
  | { type: 'report'; report: InboxReport }
  | { type: 'wake' }
  | { type: 'failed'; message: string };

interface PendingCall {
  items: CommitItem[];
  resolve: (outcomes: CommitOutcome[]) => void;
  reject: (error: unknown) => void;
}

interface OutgoingCall {
  seq: number;
  workspaceId: string;
  requestId: string;
  receivedAt: number;
  deferrable: boolean;
  items: CommitItem[];
}

/** A call the journal can acknowledge: deferrable, and no item has a dedup key to claim. */
function journalable(call: OutgoingCall): boolean {
  return call.deferrable && call.items.every((item) => item.kind === 'rejected' || !needsClaim(item));
}

export function toWire(item: CommitItem): WireItem {
  if (item.kind === 'event') {
    const { id, workspaceId, dedupKey, originalName } = item.key;
    const json = item.json ?? JSON.stringify(item.event);
    return {
      kind: 'event',
      key: { id, workspaceId, dedupKey, originalName },
      json,
      surface: item.surface,
      payload: item.payload,
    };
  }
  const { error, surface, name, payload } = item;
  return { kind: 'rejected', code: error.code, message: error.message, field: error.field, surface, name, payload };
}

/** The outcomes of a call's items, from the thread's answer (rejections keep the caller's own errors). */
function outcomesOf(items: readonly CommitItem[], duplicates: ReadonlyArray<string | null>): CommitOutcome[] {
  return items.map((item, i) => {
    if (item.kind === 'rejected') return { status: 'rejected', error: item.error };
    const owner = duplicates[i];
    return typeof owner === 'string' ? { status: 'duplicate', id: owner } : { status: 'accepted', id: item.key.id };
  });
}

/** The thread's entry: compiled JavaScript next to this file, or (tests, tsx) the TypeScript source. */
function workerEntry(): { url: URL; typescript: boolean } {
  for (const extension of ['.js', '.mjs']) {
    const url = new URL(`./ingest-thread-worker${extension}`, import.meta.url);
    if (existsSync(fileURLToPath(url))) return { url, typescript: false };
  }
  return { url: new URL('./ingest-thread-worker.ts', import.meta.url), typescript: true };
}

/** Loads the entry in the worker; TypeScript through tsx's loader (a dev dependency, as in tests). */
const BOOT = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.typescript) (await import('tsx/esm/api')).register();
  await import(workerData.entry);
})().catch((error) => {
  require('node:worker_threads').parentPort.postMessage({ type: 'failed', message: String(error && error.stack || error) });
});
`;

/** The main thread's event-loop utilization crosses to the thread as an integer in thousandths. */
export const LOAD_SCALE = 1000;

export class IngestThread {
  private readonly pending = new Map<number, PendingCall>();
  private readonly waiters = new Map<number, (report: InboxReport) => void>();
  private outgoing: OutgoingCall[] = [];
  private scheduled = false;
  private seq = 0;
  private alive = true;
  /** This process's acknowledgement journal, while it has one (see ack-journal.ts). */
  private journal: JournalFile | undefined;
  /** The journal's number (journals of this process are numbered from 1). */
  private journalNumber = 0;

  /** Events acknowledged through the journal (a running total, compared with the thread's). */
  private journaled = 0;
  /** The thread's latest report, with what the journal acknowledged since added to its backlog. */
  private latest: InboxReport = { backlog: 0, journaled: 0, inline: 0, deferred: 0, failedPasses: 0 };
  /** Called with each report of the thread's inbox. */
  onReport: (report: InboxReport) => void = () => {};
  /** Called once if the thread dies: pending calls are already rejected; the caller falls back. */
  onExit: (error: Error) => void = () => {};

  private constructor(
    private readonly ctx: AppContext,
    private readonly worker: Worker,
    private readonly written: BigInt64Array,
  ) {
    worker.on('message', (message: FromThread) => this.receive(message));
    worker.on('error', (error) => this.die(error));
    worker.on('exit', (code) => this.die(new Error(`the ingest thread exited (${code})`)));
  }

  static async start(ctx: AppContext): Promise<IngestThread> {
    const entry = workerEntry();
    // The thread's processor yields to this event loop's load (see processing-share.ts), measured here.
    const load = new SharedArrayBuffer(4);
    const written = new BigInt64Array(new SharedArrayBuffer(8));
    const view = new Int32Array(load);
    let last = performance.eventLoopUtilization();
    const probe = setInterval(() => {
      const now = performance.eventLoopUtilization();
      Atomics.store(view, 0, Math.round(performance.eventLoopUtilization(now, last).utilization * LOAD_SCALE));
      last = now;
    }, PROBE_MS);
    probe.unref();
    const worker = new Worker(BOOT, {
      eval: true,
      workerData: {
        entry: entry.url.href,
        typescript: entry.typescript,
        config: ctx.config,
        load,
        written: written.buffer,
      },
    });
    worker.once('exit', () => clearInterval(probe));
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromThread) => {
        if (message.type === 'ready') done(undefined);
        if (message.type === 'failed') done(new Error(`the ingest thread failed to start: ${message.message}`));
      };
      const onExit = (code: number) => done(new Error(`the ingest thread exited while starting (${code})`));
      const done = (error: Error | undefined) => {
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        if (error === undefined) resolve();
        else {
          void worker.terminate();
          reject(error);
        }
      };
      worker.on('message', onMessage);
      worker.on('exit', onExit);
    });
    const thread = new IngestThread(ctx, worker, written);
    const file = ctx.storage.file;
    if (ctx.config.server.ackJournal && file !== undefined) thread.openJournal(journalDirOf(file));
    return thread;
  }

  /** Hands a request's items to the thread; resolves with their outcomes once committed there. */
  commit(
    call: { workspaceId: string; requestId: string; receivedAt: number; deferrable: boolean; items: CommitItem[] },
    resolve: (outcomes: CommitOutcome[]) => void,
    reject: (error: unknown) => void,
  ): void {
    if (!this.alive) {
      reject(new Error('the ingest thread is not running'));
      return;
    }
    const seq = ++this.seq;
    this.pending.set(seq, { items: call.items, resolve, reject });
    this.outgoing.push({ seq, ...call });
    // One message (or journal line) per I/O turn: the requests parsed in it travel (and commit) together.
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.send());
    }
  }

  private send(): void {
    this.scheduled = false;
    const calls = this.outgoing;
    this.outgoing = [];
    if (calls.length === 0 || !this.alive) return;
    let wire = calls;
    // Under load only (several requests in one turn, or a backlog): a quiet server answers a lone
    // request with everything written, as without the journal.
    // Past the backlog limit, requests go to the thread, whose commits wait for its processor.
    const backlog = this.latest.backlog + (this.journaled - this.latest.journaled);
    if (
      this.journal !== undefined &&
      (calls.length > 1 || backlog > 0) &&
      backlog < this.ctx.config.server.ingestMaxBacklog
    ) {
      const journaled = calls.filter(journalable);
      if (journaled.length > 0 && this.appendToJournal(journaled)) wire = calls.filter((call) => !journalable(call));
    }
    if (wire.length === 0) return;
    const out: WireCall[] = wire.map(({ items, ...call }) => ({ ...call, items: items.map(toWire) }));
    this.post({ type: 'commit', calls: out });
  }

  /** Acknowledges `calls` by one journal line; false (nothing answered) if the journal cannot be written. */
  private appendToJournal(calls: OutgoingCall[]): boolean {
    const { record, accepted } = journalRecordOf(calls, this.ctx.clock.now());
    if (!this.journalRecord(record, accepted)) return false;
    for (const call of calls) {
      const pending = this.pending.get(call.seq);
      this.pending.delete(call.seq);
      pending?.resolve(outcomesOf(call.items, []));
    }
    return true;
  }

  /** Whether records can be journaled now (the journal is on and writable). */
  get journaling(): boolean {
    return this.alive && this.journal !== undefined;
  }

  /**
   * Appends one record (rows that need no claim) to the journal: once this returns true the rows are
   * as durable as a commit and the thread applies them; false if there is no writable journal
   * (nothing was acknowledged: commit another way).
   */
  journalRecord(record: JournalRecord, events: number): boolean {
    const journal = this.journal;
    if (journal === undefined || !this.alive) return false;
    let upTo: number;
    try {
      upTo = journal.append(record);
    } catch (error) {
      // A write that failed may have left part of a line: the file takes no more (its complete lines
      // are applied and it is deleted); requests commit through the thread from now on.
      this.ctx.log.error({ err: error }, 'acknowledgement journal not writable; committing through the ingest thread');
      this.retire();
      return false;
    }
    publishWritten(this.written, this.journalNumber, upTo);
    this.journaled += events;
    this.mirror({ ...this.latest, inline: 0, deferred: events, failedPasses: 0 });
    if (upTo >= ROTATE_BYTES) {
      this.retire();
      this.openJournal(dirname(journal.path));
    }
    return true;
  }

  /** Starts a new journal file; without one (it could not be created), requests go by round trip. */
  private openJournal(dir: string): void {
    let journal: JournalFile;
    try {
      journal = new JournalFile(dir, this.ctx.config.storage.sync);
    } catch (error) {
      this.ctx.log.error(
        { err: error, dir },
        'acknowledgement journal not created; committing through the ingest thread',
      );
      return;
    }
    this.journal = journal;
    this.journalNumber++;
    this.post({ type: 'journal', file: this.journalNumber, path: journal.path, id: journal.id });
  }

  /** The current journal takes no more lines: the thread deletes it once it has applied them. */
  private retire(): void {
    const journal = this.journal;
    if (journal === undefined) return;
    this.journal = undefined;
    journal.close();
    this.post({ type: 'retire', file: this.journalNumber, size: journal.size });
  }

  /** Reports the thread's figures, counting journaled events the thread has not applied yet as backlog. */
  private mirror(report: InboxReport): void {
    this.latest = report;
    this.onReport({ ...report, backlog: report.backlog + (this.journaled - report.journaled) });
  }

  /** Resolves once everything acknowledged so far is processed (read-your-writes, tests, shutdown). */
  flush(): Promise<InboxReport> {
    return this.request('flush');
  }

  /** Processes what is left, closes the thread's connection and ends the thread. */
  async stop(): Promise<InboxReport | undefined> {
    if (!this.alive) return undefined;
    this.send();
    this.retire();
    const report = await this.request('stop');
    this.alive = false;
    await this.worker.terminate();
    return report;
  }

  private request(type: 'flush' | 'stop'): Promise<InboxReport> {
    if (!this.alive) return Promise.reject(new Error('the ingest thread is not running'));
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.waiters.set(seq, resolve);
      this.post({ type, seq });
    });
  }

  private post(message: ToThread): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromThread): void {
    if (message.type === 'committed') {
      this.mirror(message.report);
      for (const result of message.results) {
        const call = this.pending.get(result.seq);
        if (call === undefined) continue;
        this.pending.delete(result.seq);
        if ('error' in result) call.reject(new Error(result.error));
        else call.resolve(outcomesOf(call.items, result.duplicates));
      }
    } else if (message.type === 'flushed' || message.type === 'stopped') {
      this.mirror(message.report);
      const waiter = this.waiters.get(message.seq);
      this.waiters.delete(message.seq);
      waiter?.(message.report);
    } else if (message.type === 'report') {
      this.mirror(message.report);
    } else if (message.type === 'wake') {
      wakeWorkers(this.ctx.storage);
    } else if (message.type === 'failed') {
      this.die(new Error(message.message));
    }
  }

  private die(error: Error): void {
    if (!this.alive) return;
    this.alive = false;
    // What the thread had not applied of the journal is replayed by the fallback (replayOwnJournals).
    this.journal?.close();
    this.journal = undefined;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
    // Flush waiters: nothing more will be processed by the thread; the fallback processes the rest.
    const empty: InboxReport = { backlog: 0, journaled: 0, inline: 0, deferred: 0, failedPasses: 0 };
    for (const waiter of this.waiters.values()) waiter(empty);
    this.waiters.clear();
    void this.worker.terminate();
    this.onExit(error);
  }
}
