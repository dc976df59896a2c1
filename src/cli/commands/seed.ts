import { Command } from 'commander';
import { seedWorkspace } from '../../attribution/seed.js';
import { isIsoDate } from '../../attribution/timezones.js';
import { requireWorkspace } from '../../workspaces/workspaces.js';
import { printJson } from '../io.js';
import { type CommandEnv, configFor, requiredString, UsageError, withContext, withStorageOptions } from '../program.js';

/** `touchpoint seed --workspace ID --people N --seed S`: deterministic synthetic journeys for demos and benches. */
export function seedCommand(cmdEnv: CommandEnv): Command {
  return withStorageOptions(new Command('seed'))
    .description('write deterministic synthetic journeys (90 days of touches, trials, purchases, renewals, spend)')
    .option('--workspace <id>', 'workspace to fill')
    .option('--people <n>', 'number of people', '1000')
    .option('--seed <s>', 'random seed', '1')
    .option('--until <date>', 'last seeded day (YYYY-MM-DD, UTC)', '2026-11-01')
    .option('--days <n>', 'number of days', '90')
    .option('--json', 'print one JSON object')
    .action(async (_opts, command: Command) => {
      const { config, options } = configFor(command, cmdEnv);
      const workspaceId = requiredString(options, 'workspace');
      const people = Number(options.people);
      const seed = Number(options.seed);
      const days = Number(options.days);
      const until = String(options.until);
      if (!Number.isInteger(people) || people < 1) throw new UsageError('--people must be a positive integer');
      if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
      if (!Number.isInteger(days) || days < 1 || days > 730) throw new UsageError('--days must be 1 to 730');
      if (!isIsoDate(until)) throw new UsageError('--until must be YYYY-MM-DD');
      await withContext(config, async (ctx) => {
        const workspace = await requireWorkspace(ctx.storage.db, workspaceId);
        const summary = await seedWorkspace(ctx.storage.db, {
          workspaceId: workspace.id,
          people,
          seed,
          until,
          days,
          currency: workspace.currency,
        });
        if (options.json === true) printJson(cmdEnv.io, summary);
        else
          cmdEnv.io.out(
            `Seeded ${summary.people} people, ${summary.touchpoints} touchpoints, ${summary.conversions} purchases (${summary.events} events), ${summary.spendRows} spend rows for ${summary.from}..${summary.to}`,
          );
      });
    });
}
