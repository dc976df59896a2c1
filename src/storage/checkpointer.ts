import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

/**
 * Moves SQLite's WAL checkpoints off the event loop. By default the connection that commits past
 * 1,000 WAL pages copies them into the database file itself, inside that COMMIT: on an ingest-heavy
 * server that was about half of all the database time. Here the serving connection never checkpoints
 * (wal_autocheckpoint = 0); a worker thread with its own connection runs PASSIVE checkpoints every
 * `intervalMs`, which never block the writer, so the copying runs on another core. The worker never
 * takes the write lock (a RESTART there made the server's transactions fail with SQLITE_BUSY).
 *
 * A WAL only starts over once a checkpoint caught up with every frame, which sustained writes may never
 * allow. So when the worker reports more than `restartFrames`, the serving connection itself runs a
 * RESTART checkpoint between two of its transactions: the passive ones have copied nearly everything,
 * so it is short. journal_size_limit trims the WAL file after it restarts.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 2000');
let closed = false;
const run = () => {
  if (closed) return;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result && result.log > workerData.restartFrames) parentPort.postMessage({ type: 'long', frames: result.log });
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message || error) });
  }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  closed = true;
  clearInterval(timer);
  try { db.close(); } catch {}
  parentPort.postMessage({ type: 'closed' });
});
`;

export interface Checkpointer {
  close(): Promise<void>;
}

export function startCheckpointer(
  file: string,
  serving: SqliteDatabase.Database,
  options: { intervalMs?: number; restartFrames?: number; onError?: (message: string) => void } = {},
): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      module,
      file,
      intervalMs: options.intervalMs ?? 100,
      // 64k pages of 4 KB: 256 MB of WAL before a checkpoint waits for a gap.
      restartFrames: options.restartFrames ?? 65_536,
    },
  });
  // A short-lived CLI command must not stay alive for its checkpointer.
  worker.unref();
  let closed: Promise<void> | undefined;
  worker.on('message', (message: { type?: string; message?: string }) => {
    if (message.type === 'error') options.onError?.(message.message ?? 'checkpoint failed');
    // Between transactions only: inside one, the checkpoint could not restart the log anyway.
    if (message.type === 'long' && serving.open && !serving.inTransaction) {
      // Without waiting: another connection (the ingest thread's) may be writing, and waiting for it
      // would stall the event loop. A busy log is tried again at the next report.
      const timeout = serving.pragma('busy_timeout', { simple: true }) as number;
      try {
        serving.pragma('busy_timeout = 0');
        serving.pragma('wal_checkpoint(RESTART)');
      } catch (error) {
        options.onError?.(error instanceof Error ? error.message : String(error));
      } finally {
        serving.pragma(`busy_timeout = ${timeout}`);
      }
    }
  });
  worker.on('error', (error) => options.onError?.(error.message));
  return {
    close() {
      closed ??= new Promise<void>((resolve) => {
        const done = () => {
          void worker.terminate().finally(resolve);
        };
        worker.once('message', done);
        worker.once('exit', () => resolve());
        worker.postMessage('close');
        setTimeout(done, 1000).unref();
      });
      return closed;
    },
  };
}
