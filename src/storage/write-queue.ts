import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

export type WriteJob<T> = (trx: Transaction<Database>) => Promise<T>;

/** A job that is one statement, atomic by itself: it runs alone, outside a transaction. */
export type StatementJob<T> = (db: Kysely<Database>) => Promise<T>;

interface Pending {
  job: WriteJob<unknown>;
  /** Set for a statement job: `job` is then never called. */
  alone?: StatementJob<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** How a job joins the queue. */
export interface EnqueueOptions {
  /**
   * The caller already gathered its I/O turn's writes into this job (the ingest coalescer): start it
   * in this tick when a transaction slot is free, instead of waiting a macrotask for others to join.
   * That second wait held every acknowledgement back a whole event-loop turn: under 50 connections a
   * turn then answered ~17 requests instead of ~29 and the loop sat idle a quarter of the time waiting
   * for clients whose answers were late (`npm run bench:ingest`, SQLite: ratio 0.40 -> 0.46).
   */
  gathered?: boolean;
}

export interface WriteQueueOptions {
  /** Most jobs committed in one transaction. */
  maxBatch: number;
  /** Transactions in flight at once: 1 on SQLite (one writer), a few on PostgreSQL. */
  concurrency: number;
}

/**
 * Group commit: concurrent requests hand their writes to the queue, which runs as many as are waiting
 * in one transaction and resolves each job's promise only after that transaction committed. A
 * request therefore acknowledges only committed data, while the database pays one commit (one
 * fsync/WAL append) for many requests.
 *
 * If a batch fails, each of its jobs is retried alone, so one bad write never fails its neighbours.
 */
export class WriteQueue {
  private readonly pending: Pending[] = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: WriteQueueOptions = { maxBatch: 256, concurrency: 1 },
  ) {}

  enqueue<T>(job: WriteJob<T>, options?: EnqueueOptions): Promise<T> {
    if (this.closed) return Promise.reject(new Error('write queue is closed'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ job, resolve: resolve as (value: unknown) => void, reject });
      this.pump(options?.gathered === true);
    });
  }

  /**
   * A job that is a single statement (PostgreSQL): run on its own connection without BEGIN and COMMIT,
   * which on a network database are two of its round trips. Counts toward the concurrency like a batch.
   */
  enqueueStatement<T>(statement: StatementJob<T>, options?: EnqueueOptions): Promise<T> {
    if (this.closed) return Promise.reject(new Error('write queue is closed'));
    return new Promise<T>((resolve, reject) => {
      const job: WriteJob<unknown> = () => Promise.reject(new Error('a statement job runs outside a transaction'));
      this.pending.push({ job, alone: statement, resolve: resolve as (value: unknown) => void, reject });
      this.pump(options?.gathered === true);
    });
  }

  /** Resolves once every job enqueued so far has committed (or failed). */
  flush(): Promise<void> {
    if (this.pending.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking jobs and waits for the ones already taken. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  get depth(): number {
    return this.pending.length;
  }

  /** A transaction is running or jobs are waiting. */
  get busy(): boolean {
    return this.running > 0 || this.pending.length > 0;
  }

  private pump(gathered = false): void {
    // Waiting one macrotask lets the requests that arrived in the same I/O turn join this batch; a
    // gathered job has done that already. A microtask still lets jobs enqueued in this tick join.
    const start = gathered ? queueMicrotask : setImmediate;
    while (this.running < this.options.concurrency && this.pending.length > 0) {
      this.running++;
      start(() => {
        void this.runBatch().finally(() => {
          this.running--;
          if (this.pending.length > 0) this.pump();
          else if (this.running === 0) this.notifyIdle();
        });
      });
    }
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async runBatch(): Promise<void> {
    const first = this.pending[0];
    if (first?.alone !== undefined) {
      this.pending.shift();
      try {
        first.resolve(await first.alone(this.db));
      } catch (error) {
        first.reject(error);
      }
      return;
    }
    // Transaction jobs up to the next statement job.
    const next = this.pending.findIndex((item) => item.alone !== undefined);
    const batch = this.pending.splice(0, Math.min(next === -1 ? this.pending.length : next, this.options.maxBatch));
    if (batch.length === 0) return;
    if (batch.length > 1) {
      try {
        const results = await this.db.transaction().execute(async (trx) => {
          const out: unknown[] = [];
          for (const item of batch) out.push(await item.job(trx));
          return out;
        });
        for (const [i, item] of batch.entries()) item.resolve(results[i]);
        return;
      } catch {
        // fall through: retry one by one so only the failing job is rejected
      }
    }
    for (const item of batch) {
      try {
        item.resolve(await this.db.transaction().execute((trx) => item.job(trx)));
      } catch (error) {
        item.reject(error);
      }
    }
  }
}
