import { performance } from 'node:perf_hooks';
import type { AppContext } from '../context/context.js';
import { applyLines, deleteJournal, readLines, readWritten } from './ack-journal.js';

/** How long lines wait to be applied (see sleep()). */
const POLL_MS = 20;
/** Lines applied within this long mean "lines are coming": poll instead of waiting on the word. */
const HOT_MS = 100;
const RETRY_MS = 200;
/** The longest a wait on the shared word lasts before looking again. */
const WAIT_MS = 1000;

/** Atomics.waitAsync (Node 16+), missing from TypeScript's ES2022 library. */
interface AtomicsWaitAsync {
  waitAsync(
    array: BigInt64Array,
    index: number,
    value: bigint,
    timeout: number,
  ): { async: false; value: string } | { async: true; value: Promise<string> };
}

interface Journal {
  file: number;
  path: string;
  id: string;
  applied: number;
  /** Its size once retired. */
  final: number | undefined;
}

/**
 * The ingest thread's side of the acknowledgement journal (ack-journal.ts): the main thread's journal
 * files, oldest first, each applied in order up to what the shared word says is written, and deleted
 * once retired and applied. A range that fails is retried until it commits: skipping it would lose it,
 * since later ranges record positions past it.
 */
export class JournalApplier {
  private readonly journals: Journal[] = [];
  private running: Promise<void> | undefined;
  private again = false;
  private waitingOnWord = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private lastLines = 0;
  private stopped = false;
  /** Accepted events applied to the inbox (a running total). */
  events = 0;

  constructor(
    private readonly ctx: AppContext,
    /** How far the main thread has written (see publishWritten). */
    private readonly written: BigInt64Array,
    /** Called with the accepted events each applied range put in the inbox. */
    private readonly onApplied: (events: number) => void,
  ) {}

  /** The main thread started journal number `file`. */
  opened(file: number, path: string, id: string): void {
    this.journals.push({ file, path, id, applied: 0, final: undefined });
    this.kick();
  }

  /** Journal number `file` will not grow past `size`. */
  retired(file: number, size: number): void {
    const journal = this.journals.find((j) => j.file === file);
    if (journal !== undefined) journal.final = size;
    this.kick();
  }

  /** Resolves once every line written so far is applied (and retired files deleted). */
  async applied(): Promise<void> {
    for (;;) {
      const journal = this.journals[0];
      if (journal === undefined) return;
      if (journal.final === undefined && this.journals.length === 1 && this.sizeOf(journal) <= journal.applied) return;
      this.kick();
      await this.running;
    }
  }

  /** Applies what is written, for at most `ms`; then stops looking. False if lines were left (replayed at the next start). */
  async stop(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.applied().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    clearTimeout(timer);
    this.stopped = true;
    clearTimeout(this.pollTimer);
    return done;
  }

  private kick(): void {
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.applyAll().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      } else {
        this.sleep();
      }
    });
  }

  /**
   * Until the next lines: a poll every POLL_MS while lines keep coming, else a wait on the shared word.
   * Either way lines are applied POLL_MS after the first of them, so one transaction takes what a few
   * dozen turns appended (fewer WAL frames per event) and the events log still shows them at once.
   * One timer or wait at a time, however many kicks (messages, flushes) ended a pass.
   */
  private sleep(): void {
    if (this.stopped || this.journals.length === 0 || this.pollTimer !== undefined || this.waitingOnWord) return;
    const later = () => {
      this.pollTimer = setTimeout(() => {
        this.pollTimer = undefined;
        this.kick();
      }, POLL_MS);
    };
    if (performance.now() - this.lastLines < HOT_MS) {
      later();
      return;
    }
    const raw = readWritten(this.written).raw;
    const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.written, 0, raw, WAIT_MS);
    if (!wait.async) {
      later();
      return;
    }
    this.waitingOnWord = true;
    void wait.value.then(() => {
      this.waitingOnWord = false;
      later();
    });
  }

  /** The size `journal` is written to, as far as this thread knows. */
  private sizeOf(journal: Journal): number {
    if (journal.final !== undefined) return journal.final;
    const now = readWritten(this.written);
    return now.file === journal.file ? now.size : journal.applied;
  }

  private async applyAll(): Promise<void> {
    for (let journal = this.journals[0]; journal !== undefined; journal = this.journals[0]) {
      const target = this.sizeOf(journal);
      try {
        if (target > journal.applied) {
          const lines = readLines(journal.path, journal.applied, target);
          const id = journal.id;
          const events = await this.ctx.writes.enqueue((trx) => applyLines(trx, this.ctx, id, lines));
          journal.applied = target;
          this.lastLines = performance.now();
          this.events += events;
          this.onApplied(events);
        } else if (journal.final !== undefined) {
          await deleteJournal(this.ctx, journal.path, journal.id);
          this.journals.shift();
        } else {
          return;
        }
      } catch (error) {
        this.ctx.log.error(
          { err: error, journal: journal.id },
          'applying the acknowledgement journal failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }
}
