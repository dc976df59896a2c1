import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.js';
import { AppError } from '../errors/codes.js';
import { attributeCommand } from './commands/attribute.js';
import { destinationCommand } from './commands/destination.js';
import { eventCommand } from './commands/event.js';
import { linkCommand } from './commands/link.js';
import { migrateCommand } from './commands/migrate.js';
import { replayCommand } from './commands/replay.js';
import { seedCommand } from './commands/seed.js';
import { serveCommand } from './commands/serve.js';
import { spendCommand } from './commands/spend.js';
import { tokenCommand } from './commands/token.js';
import { workspaceCommand } from './commands/workspace.js';
import { type Io, processIo } from './io.js';
import { type CommandEnv, UsageError } from './program.js';

/** Commands contributed by the domain folders register here (event, spend, attribute, ...). */
export type CommandFactory = (cmdEnv: CommandEnv) => Command;

const COMMANDS: CommandFactory[] = [
  serveCommand,
  migrateCommand,
  workspaceCommand,
  tokenCommand,
  attributeCommand,
  seedCommand,
  spendCommand,
  eventCommand,
  linkCommand,
  destinationCommand,
  replayCommand,
];

export function buildProgram(cmdEnv: CommandEnv): Command {
  const program = new Command('touchpoint')
    .description('Touchpoint: server-side conversion tracking and attribution')
    .version('0.1.0')
    .showHelpAfterError(false);
  for (const factory of COMMANDS) program.addCommand(factory(cmdEnv));
  const quiet = (command: Command): void => {
    command.exitOverride();
    command.configureOutput({ writeOut: (s) => cmdEnv.io.out(s.trimEnd()), writeErr: () => {} });
    for (const sub of command.commands) quiet(sub);
  };
  quiet(program);
  return program;
}

/** Runs the CLI; resolves to the exit code (2 for bad usage or configuration, 1 for failures). */
export async function main(argv: string[], io: Io = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = buildProgram({ io, env });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0; // --help, --version
      io.err(`touchpoint: ${error.message.replace(/^error: /, '')}`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof UsageError) {
      io.err(`touchpoint: ${error.message}`);
      return 2;
    }
    if (error instanceof AppError && error.status < 500) {
      io.err(`touchpoint: ${error.field === undefined ? '' : `--${error.field}: `}${error.message}`);
      return 2;
    }
    io.err(`touchpoint: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

// Run directly (`tsx src/cli/main.ts ...`): the bin script imports main() instead.
const invokedPath = process.argv[1] === undefined ? '' : realpathSync(process.argv[1]);
if (invokedPath === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
