import { Command } from 'commander';
import { replayDeliveries } from '../../delivery/replay.js';
import { requireWorkspace } from '../../workspaces/workspaces.js';
import { printJson } from '../io.js';
import { type CommandEnv, configFor, requiredString, UsageError, withContext, withStorageOptions } from '../program.js';

function time(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const ms = /^\d+$/.test(text) ? Number(text) * (text.length <= 10 ? 1000 : 1) : Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`${flag} must be an ISO 8601 time or a unix timestamp, got "${text}"`);
  return ms;
}

/** `touchpoint replay --workspace ID [--destination dst_…] [--since T] [--until T] [--event NAME]`: re-send failed deliveries. */
export function replayCommand(cmdEnv: CommandEnv): Command {
  return withStorageOptions(new Command('replay'))
    .description('re-send deliveries that failed (delivered ones are never re-sent)')
    .option('--workspace <id>', 'workspace id')
    .option('--destination <id>', 'only this destination (dst_…)')
    .option('--since <time>', 'events at or after this time (ISO 8601 or unix)')
    .option('--until <time>', 'events before this time')
    .option('--event <name>', 'only this event name')
    .option('--include-skipped', 'also send deliveries that routing skipped')
    .option('--json', 'print one JSON object')
    .action(async (_opts, command: Command) => {
      const { config, options } = configFor(command, cmdEnv);
      const workspaceId = requiredString(options, 'workspace');
      const filter = {
        destinationId: options.destination as string | undefined,
        since: time(options.since, '--since'),
        until: time(options.until, '--until'),
        eventName: options.event as string | undefined,
        includeSkipped: options.includeSkipped === true,
      };
      await withContext(config, async (ctx) => {
        await requireWorkspace(ctx.storage.db, workspaceId);
        const result = await replayDeliveries(ctx, workspaceId, filter);
        if (options.json === true) printJson(cmdEnv.io, result);
        else cmdEnv.io.out(`Queued ${result.replayed} deliveries for another attempt (a running worker sends them)`);
      });
    });
}
