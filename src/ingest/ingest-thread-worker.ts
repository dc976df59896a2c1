import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/config.js';
import { closeContext, createContext } from '../context/create-context.js';
import { deliveryState } from '../delivery/state.js';
import { AppError } from '../errors/codes.js';
import type { StoredEvent } from '../events/stored-event.js';
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
import { JournalApplier } from './journal-applier.js';

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
inbox.start();

/** Journal lines the main thread acknowledged: applied here, their events then processed. */
const applier = new JournalApplier(ctx, new BigInt64Array(workerData.written as SharedArrayBuffer), (events) =>
  inbox.added(events),
);
/** How long a stop waits for the journal to be applied (as the inbox's drain). */
const JOURNAL_STOP_MS = 20_000;

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
function report(): InboxReport {
  reported.backlog = inbox.backlog;
  const out = {
    backlog: inbox.backlog,
    journaled: applier.events,
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

let stopping = false;
port.on('message', (message: ToThread) => {
  if (message.type === 'commit') {
    for (const call of message.calls) commit(call);
  } else if (message.type === 'journal') {
    applier.opened(message.file, message.path, message.id);
  } else if (message.type === 'retire') {
    applier.retired(message.file, message.size);
  } else if (message.type === 'flush') {
    // Answered whatever happens: the main thread's reads and shutdown wait for it.
    const flushed = () => send({ type: 'flushed', seq: message.seq, report: report() });
    applier
      .applied()
      .then(() => inbox.flush())
      .then(flushed, (error: unknown) => {
        ctx.log.error({ err: error }, 'ingest thread: flush failed; the rows stay in the inbox');
        flushed();
      });
  } else if (message.type === 'stop' && !stopping) {
    stopping = true;
    void (async () => {
      try {
        // Lines not applied by then stay in their file, which the next start replays.
        if (!(await applier.stop(JOURNAL_STOP_MS))) {
          ctx.log.warn('stopped before the acknowledgement journal was applied; the next start replays it');
        }
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
