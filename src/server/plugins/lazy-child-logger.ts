import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level } from 'pino';

/**
 * Fastify gives every request a child logger bound to its request id, and pino serializes the
 * bindings (through its redaction) when the child is made: about 2% of the event loop per ingested
 * event at saturation, for a logger that an accepted request never writes to (request logging is
 * off; only errors and rejections log). This stand-in makes the child on its first use, so a line
 * still carries the request id, and a request that logs nothing costs one small object.
 *
 * A class, not an object of closures: one allocation per request, its methods on the prototype.
 */
class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private real(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }

  private write(level: Level | 'silent', args: unknown[]): void {
    const logger = this.real();
    (logger[level] as (...a: unknown[]) => void).apply(logger, args);
  }

  get level(): string {
    return this.made === undefined ? (this.options.level ?? this.parent.level) : this.made.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(...args: unknown[]): void {
    this.write('silent', args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: the request's logger, made when first written to. */
export function lazyChildLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}
