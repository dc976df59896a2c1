import { Command, Option } from 'commander';
import { type Config, envName, parseConfig } from '../config/config.js';
import { type AppContext, systemClock } from '../context/context.js';
import { closeContext, createContext } from '../context/create-context.js';
import { getWorkspace } from '../workspaces/workspaces.js';
import type { Io } from './io.js';

/** What every command receives: its parsed options, the process environment and where to write. */
export interface CommandEnv {
  io: Io;
  env: NodeJS.ProcessEnv;
}

/** Options shared by every command: where the data lives. */
export function withStorageOptions(command: Command): Command {
  return command
    .option('--data <dir>', 'directory of the embedded SQLite database', undefined)
    .option('--database-url <url>', 'PostgreSQL connection string (instead of --data)')
    .option('--sync <mode>', 'SQLite durability: normal (survives process crashes) or full (also power loss)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent');
}

/**
 * Fills every option the command line left out from `TOUCHPOINT_<NAME>` (so `--database-url` reads
 * TOUCHPOINT_DATABASE_URL and `--workspace` TOUCHPOINT_WORKSPACE).
 */
export function optionsWithEnv(command: Command, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const values: Record<string, unknown> = { ...command.opts() };
  for (const option of command.options as Option[]) {
    const key = option.attributeName();
    const source = command.getOptionValueSource(key);
    if (source === 'cli') continue;
    const fromEnv = env[envName(option.negate ? key : key)];
    if (fromEnv === undefined || fromEnv === '') {
      // a negatable flag's default (worker: true) is not the user's choice: leave it to the config
      if (option.negate) delete values[key];
      continue;
    }
    values[key] = option.variadic ? fromEnv.split(',').map((v) => v.trim()) : fromEnv;
  }
  return values;
}

export function configFor(command: Command, cmdEnv: CommandEnv): { config: Config; options: Record<string, unknown> } {
  const options = optionsWithEnv(command, cmdEnv.env);
  // the CLI's own commands log only warnings: their stdout is for the user
  const config = parseConfig({ logLevel: command.name() === 'serve' ? undefined : 'warn', ...options }, cmdEnv.env);
  return { config, options };
}

/** Opens the database (migrating it), runs `fn`, and always closes it again. */
export async function withContext<T>(config: Config, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await createContext(config);
  try {
    return await fn({ ...ctx, clock: systemClock });
  } finally {
    await closeContext(ctx);
  }
}

export function requiredString(options: Record<string, unknown>, name: string): string {
  const value = options[name];
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`--${name.replace(/([A-Z])/g, '-$1').toLowerCase()} is required`);
  }
  return value;
}

/** A subcommand that acts on one workspace: storage options, `--workspace <id>` and `--json`. */
export function workspaceSubcommand(name: string, description: string): Command {
  return withStorageOptions(new Command(name))
    .description(description)
    .option('--workspace <id>', 'workspace id')
    .option('--json', 'print one JSON object');
}

/**
 * The body every workspace subcommand shares: parse the configuration, open the database, check the
 * workspace exists (a missing one is a usage error, exit 2), run `fn`, close the database.
 */
export async function inWorkspace(
  command: Command,
  cmdEnv: CommandEnv,
  fn: (ctx: AppContext, workspaceId: string, options: Record<string, unknown>) => Promise<void>,
  /** Checks the options before the database is opened (bad usage never touches data). */
  check: (options: Record<string, unknown>) => void = () => {},
): Promise<void> {
  const { config, options } = configFor(command, cmdEnv);
  const workspaceId = requiredString(options, 'workspace');
  check(options);
  await withContext(config, async (ctx) => {
    if ((await getWorkspace(ctx.storage.db, workspaceId)) === undefined) {
      throw new UsageError(`workspace ${workspaceId} does not exist`);
    }
    await fn(ctx, workspaceId, options);
  });
}

/** A mistake in how the command was called: one line on stderr, exit code 2. */
export class UsageError extends Error {}

export { Command, Option };
