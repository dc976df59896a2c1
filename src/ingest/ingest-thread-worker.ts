import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/config.js';
import { closeContext, createContext } from '../context/create-context.js';
import { deliveryState } from '../delivery/state.js';
import { AppError } from '../errors/codes.js';
import type { StoredEvent } from '../events/stored-event.js';
import { applyLines, deleteJournal, journalDirOf, readLines, readWritten, replayOrphans } from './ack-journal.js';
import { type CommitItem, commitEvents } from './commit.js';
import { inboxOf } from './inbox.js';
import {
  type FromThread,
  type InboxReport,
  LOAD_SCALE,
  type ToThread,
  type WireCall,
  type WireItem,
  type WireResult,
} from './ingest-thread.js';

/**
 * The ingest thread's side (see ingest-thread.ts): its own context on the same database, the same
 * commit code and the inbox processor. The main thread migrated the database and runs the checkpointer.
 */
const port = parentPort;
if (port === null) throw new Error('ingest-thread-worker runs only as a worker thread');
const ctx = await createContext(workerData.config as Config, { migrate: false, checkpointer: false });
const inbox = inboxOf(ctx);
// The processor yields to the event loop that acknowledges (the main thread's), not to this one.
const load = new Int32Array(workerData.load as SharedArrayBuffer);
inbox.acknowledgingLoad = () => Atomics.load(load, 0) / LOAD_SCALE;
const journalDir = ctx.storage.file === undefined ? undefined : journalDirOf(ctx.storage.file);
// Journals of processes that stopped since the main thread replayed the orphans it found.
if (journalDir !== undefined) {
  try {
    inbox.added(await replayOrphans(ctx, journalDir, false));
  } catch (error) {
    ctx.log.error({ err: error }, 'acknowledgement journal replay failed; the file stays for the next start');
  }
}
inbox.start();

const send = (message: FromThread) => port.postMessage(message);

// New outbox rows: the delivery worker runs on the main thread and waits for this wake-up (or its poll).
let waking = false;
deliveryState(ctx.storage).listeners.add(() => {
  if (waking) return;
  waking = true;
  setImmediate(() => {
    waking = false;
    send({ type: 'wake' });
  });
});

/** Counts already reported, so each report carries what changed since the previous one. */
const reported = { backlog: 0, inline: 0, deferred: 0, failedPasses: 0 };
/** Events applied from acknowledgement journals (a running total). */
let journaled = 0;
function report(): InboxReport {
  reported.backlog = inbox.backlog;
  const out = {
    backlog: inbox.backlog,
    journaled,
    inline: inbox.committed.inline - reported.inline,
    deferred: inbox.committed.deferred - reported.deferred,
    failedPasses: inbox.failedPasses - reported.failedPasses,
  };
  reported.inline = inbox.committed.inline;
  reported.deferred = inbox.committed.deferred;
  reported.failedPasses = inbox.failedPasses;
  return out;
}

function fromWire(item: WireItem): CommitItem {
  if (item.kind === 'event') {
    const { key, json, surface, payload } = item;
    let event: StoredEvent | undefined;
    // Parsed only if this thread writes the event itself (a quiet moment); queued to the inbox as it is.
    return {
      kind: 'event',
      key,
      json,
      surface,
      payload,
      get event(): StoredEvent {
        event ??= JSON.parse(json) as StoredEvent;
        return event;
      },
    };
  }
  const error = new AppError(item.code, item.message, item.field);
  return { kind: 'rejected', error, surface: item.surface, name: item.name, payload: item.payload };
}

// Answers go back once per turn, like the requests came.
let results: WireResult[] = [];
let scheduled = false;
function answer(result: WireResult): void {
  results.push(result);
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    const batch = results;
    results = [];
    send({ type: 'committed', results: batch, report: report() });
  });
}

function commit(call: WireCall): void {
  const items = call.items.map(fromWire);
  commitEvents(ctx, call.workspaceId, call.requestId, call.receivedAt, items, { deferrable: call.deferrable }).then(
    (outcomes) => answer({ seq: call.seq, duplicates: outcomes.map((o) => (o.status === 'duplicate' ? o.id : null)) }),
    (error: unknown) => answer({ seq: call.seq, error: error instanceof Error ? error.message : String(error) }),
  );
}

// The backlog shrinks without requests too: keep the main thread's mirror (metrics, reads) current.
setInterval(() => {
  if (inbox.backlog !== reported.backlog) send({ type: 'report', report: report() });
}, 250).unref();

/**
 * The acknowledgement journals of the main thread (ack-journal.ts), oldest first: each is applied in
 * order up to what the shared word says is written, and deleted once retired and applied. A range
 * that fails is retried until it commits (skipping it would lose it: later ranges record positions
 * past it).
 */
interface Journal {
  file: number;
  path: string;
  id: string;
  applied: number;
  /** Its size once retired. */
  final: number | undefined;
}
const journals: Journal[] = [];
/** Atomics.waitAsync (Node 16+), missing from TypeScript's ES2022 library. */
interface AtomicsWaitAsync {
  waitAsync(
    array: BigInt64Array,
    index: number,
    value: bigint,
    timeout: number,
  ): { async: false; value: string } | { async: true; value: Promise<string> };
}
const written = new BigInt64Array(workerData.written as SharedArrayBuffer);
const JOURNAL_RETRY_MS = 200;
/** How long a stop waits for the journal to be applied. */
const JOURNAL_STOP_MS = 20_000;
/** How long lines wait to be applied (see sleepOnJournal). */
const JOURNAL_POLL_MS = 20;
let journalRunning: Promise<void> | undefined;
let journalAgain = false;
let waitingOnWord = false;
let pollTimer: NodeJS.Timeout | undefined;
let lastLines = 0;

function kickJournal(): void {
  if (journalRunning !== undefined) {
    journalAgain = true;
    return;
  }
  journalRunning = applyJournals().finally(() => {
    journalRunning = undefined;
    if (journalAgain) {
      journalAgain = false;
      kickJournal();
    } else {
      sleepOnJournal();
    }
  });
}

/**
 * Until the next lines: a poll every JOURNAL_POLL_MS under load, else a wait on the shared word. Either
 * way lines are applied JOURNAL_POLL_MS after the first of them, so one transaction takes what a few
 * dozen turns appended (fewer WAL frames per event) and the events log still shows them at once.
 */
function sleepOnJournal(): void {
  // One timer or wait at a time, however many kicks (messages, flushes) ended a pass.
  if (stopping || journals.length === 0 || pollTimer !== undefined || waitingOnWord) return;
  const later = () => {
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      kickJournal();
    }, JOURNAL_POLL_MS);
  };
  if (performance.now() - lastLines < 100) {
    later();
    return;
  }
  const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(written, 0, readWritten(written).raw, 1000);
  if (!wait.async) {
    later();
    return;
  }
  waitingOnWord = true;
  void wait.value.then(() => {
    waitingOnWord = false;
    later();
  });
}

/** The size `journal` is written to, as far as this thread knows. */
function writtenSize(journal: Journal): number {
  if (journal.final !== undefined) return journal.final;
  const now = readWritten(written);
  return now.file === journal.file ? now.size : journal.applied;
}

async function applyJournals(): Promise<void> {
  for (let journal = journals[0]; journal !== undefined; journal = journals[0]) {
    const target = writtenSize(journal);
    try {
      if (target > journal.applied) {
        const lines = readLines(journal.path, journal.applied, target);
        const id = journal.id;
        const events = await ctx.writes.enqueue((trx) => applyLines(trx, ctx, id, lines));
        journal.applied = target;
        lastLines = performance.now();
        journaled += events;
        inbox.added(events);
      } else if (journal.final !== undefined) {
        await deleteJournal(ctx, journal.path, journal.id);
        journals.shift();
      } else {
        return;
      }
    } catch (error) {
      ctx.log.error({ err: error, journal: journal.id }, 'applying the acknowledgement journal failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, JOURNAL_RETRY_MS));
    }
  }
}

/** Resolves once every journal line written so far is applied. */
async function journalApplied(): Promise<void> {
  for (;;) {
    const journal = journals[0];
    if (journal === undefined) return;
    if (journal.final === undefined && journals.length === 1 && writtenSize(journal) <= journal.applied) return;
    kickJournal();
    await journalRunning;
  }
}

let stopping = false;
port.on('message', (message: ToThread) => {
  if (message.type === 'commit') {
    for (const call of message.calls) commit(call);
  } else if (message.type === 'journal') {
    journals.push({ file: message.file, path: message.path, id: message.id, applied: 0, final: undefined });
    kickJournal();
  } else if (message.type === 'retire') {
    const journal = journals.find((j) => j.file === message.file);
    if (journal !== undefined) journal.final = message.size;
    kickJournal();
  } else if (message.type === 'flush') {
    // Answered whatever happens: the main thread's reads and shutdown wait for it.
    const flushed = () => send({ type: 'flushed', seq: message.seq, report: report() });
    journalApplied()
      .then(() => inbox.flush())
      .then(flushed, (error: unknown) => {
        ctx.log.error({ err: error }, 'ingest thread: flush failed; the rows stay in the inbox');
        flushed();
      });
  } else if (message.type === 'stop' && !stopping) {
    stopping = true;
    void (async () => {
      try {
        // Bounded as the inbox's drain is: lines not applied by then stay in their file, which the
        // next start (or another process) replays.
        let timer: NodeJS.Timeout | undefined;
        const applied = await Promise.race([
          journalApplied().then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), JOURNAL_STOP_MS);
          }),
        ]);
        clearTimeout(timer);
        if (!applied) ctx.log.warn('stopped before the acknowledgement journal was applied; the next start replays it');
        await inbox.stop();
        await closeContext(ctx);
      } catch (error) {
        ctx.log.error({ err: error }, 'ingest thread: closing failed; unprocessed rows stay in the inbox');
      }
      send({ type: 'stopped', seq: message.seq, report: report() });
    })();
  }
});
send({ type: 'ready' });
