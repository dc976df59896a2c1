import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/**
 * The one description of Touchpoint's configuration. Every option comes from a CLI flag or from the
 * `TOUCHPOINT_<NAME>` environment variable (flags win); this module is the only reader of
 * process.env, and everything else receives a parsed, validated `Config`.
 */
export interface StorageConfig {
  /** PostgreSQL connection string; when absent the embedded SQLite file under `dataDir` is used. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** SQLite synchronous mode: `normal` survives a process crash, `full` also survives power loss. */
  sync: 'normal' | 'full';
}

export interface ServerConfig {
  host: string;
  port: number;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  trustProxy: boolean | string;
  requireHttps: boolean;
  /** Whole-request body limit in bytes (batches); single-event routes set a smaller one. */
  bodyLimit: number;
  /** Requests per minute per workspace on ingestion routes; 0 disables the limit. */
  rateLimitPerMinute: number;
  /**
   * Acknowledged events waiting in the ingest inbox past which new requests wait for the processor
   * (backpressure instead of an unbounded backlog).
   */
  ingestMaxBacklog: number;
  /**
   * SQLite: commit and process ingestion in a worker thread with its own connection (ingest-thread.ts),
   * so the event loop keeps to HTTP. Off by default: on the 2-core reference machine it serves a third
   * more unkeyed single events, but requests with a dedup key wait for a round trip and come out
   * slower, and a batch burst needs 300+ MB (see docs/durability.md). Ignored on PostgreSQL, whose pool
   * already works beside the event loop.
   */
  ingestThread: boolean;
  /**
   * With the ingest thread: acknowledge groups of requests that claim no dedup key by appending them
   * to a journal file the thread applies (ack-journal.ts), instead of a round trip to the thread.
   */
  ackJournal: boolean;
  publicUrl: string | undefined;
}

export interface Config {
  storage: StorageConfig;
  server: ServerConfig;
  worker: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Key for encrypting destination credentials at rest; generated into the data dir when absent. */
  secretKey: string | undefined;
}

export class ConfigError extends Error {}

/** Raw option values as commander hands them over (strings, booleans or undefined). */
export type RawOptions = Record<string, unknown>;

const ENV_PREFIX = 'TOUCHPOINT_';

/** `databaseUrl` -> `TOUCHPOINT_DATABASE_URL` */
export function envName(option: string): string {
  return ENV_PREFIX + option.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Looks an option up among the flags, then the environment. */
function pick(raw: RawOptions, env: NodeJS.ProcessEnv, option: string): unknown {
  if (raw[option] !== undefined) return raw[option];
  return env[envName(option)];
}

function str(raw: RawOptions, env: NodeJS.ProcessEnv, option: string): string | undefined {
  const value = pick(raw, env, option);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new ConfigError(`--${kebab(option)} must be a string`);
  return value;
}

function bool(raw: RawOptions, env: NodeJS.ProcessEnv, option: string, fallback: boolean): boolean {
  const value = pick(raw, env, option);
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  const text = String(value).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(`${envName(option)} must be true or false, got "${String(value)}"`);
}

function int(
  raw: RawOptions,
  env: NodeJS.ProcessEnv,
  option: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = str(raw, env, option);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`--${kebab(option)} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

function kebab(option: string): string {
  return option.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function parseConfig(raw: RawOptions, env: NodeJS.ProcessEnv, cwd: string = process.cwd()): Config {
  const databaseUrl = str(raw, env, 'databaseUrl');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`--database-url must be a postgres:// or postgresql:// URL, got "${databaseUrl}"`);
  }
  const dataOption = str(raw, env, 'data') ?? '.touchpoint';
  const dataDir = isAbsolute(dataOption) ? dataOption : resolve(cwd, dataOption);

  const sync = str(raw, env, 'sync') ?? 'normal';
  if (sync !== 'normal' && sync !== 'full') throw new ConfigError(`--sync must be normal or full, got "${sync}"`);

  const logLevel = str(raw, env, 'logLevel') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const tlsCert = str(raw, env, 'tlsCert');
  const tlsKey = str(raw, env, 'tlsKey');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key must be given together');
  }
  for (const [name, file] of [
    ['--tls-cert', tlsCert],
    ['--tls-key', tlsKey],
  ] as const) {
    if (file !== undefined && !existsSync(file)) throw new ConfigError(`${name}: file not found: ${file}`);
  }

  const trustProxyRaw = pick(raw, env, 'trustProxy');
  let trustProxy: boolean | string = false;
  if (trustProxyRaw === true || trustProxyRaw === 'true') trustProxy = true;
  else if (typeof trustProxyRaw === 'string' && trustProxyRaw !== '' && trustProxyRaw !== 'false') {
    trustProxy = trustProxyRaw; // a comma-separated list of proxy addresses / CIDRs
  }

  const host = str(raw, env, 'host') ?? '127.0.0.1';
  const publicUrl = str(raw, env, 'publicUrl');
  if (publicUrl !== undefined && !/^https?:\/\//.test(publicUrl)) {
    throw new ConfigError(`--public-url must start with http:// or https://, got "${publicUrl}"`);
  }

  return {
    storage: { databaseUrl, dataDir, sync },
    server: {
      host,
      port: int(raw, env, 'port', 8080, 0, 65535),
      tlsCert,
      tlsKey,
      trustProxy,
      requireHttps: bool(raw, env, 'requireHttps', false),
      bodyLimit: int(raw, env, 'bodyLimit', 512_000, 1024, 100_000_000),
      rateLimitPerMinute: int(raw, env, 'rateLimit', 60_000, 0, 100_000_000),
      ingestMaxBacklog: int(raw, env, 'ingestMaxBacklog', 5_000_000, 1, 1_000_000_000),
      ingestThread: bool(raw, env, 'ingestThread', false),
      ackJournal: bool(raw, env, 'ackJournal', true),
      publicUrl,
    },
    // commander turns --no-worker into worker: false
    worker: bool(raw, env, 'worker', true),
    logLevel: logLevel as Config['logLevel'],
    secretKey: str(raw, env, 'secretKey'),
  };
}

export function readTls(config: ServerConfig): { cert: Buffer; key: Buffer } | undefined {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  return { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) };
}
