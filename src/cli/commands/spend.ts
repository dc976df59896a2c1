import { createReadStream, statSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { importSpendCsv } from '../../attribution/spend.js';
import { requireWorkspace } from '../../workspaces/workspaces.js';
import { printJson } from '../io.js';
import { type CommandEnv, configFor, requiredString, UsageError, withContext, withStorageOptions } from '../program.js';

/** `touchpoint spend import file.csv --workspace ID`: ad spend by day and ad object, with a progress bar. */
export function spendCommand(cmdEnv: CommandEnv): Command {
  const spend = new Command('spend').description('ad spend');
  spend.addCommand(
    withStorageOptions(new Command('import'))
      .description(
        'import a spend CSV: date, platform, campaign_id, campaign_name, adset_id, ad_id, spend, impressions, clicks, currency',
      )
      .argument('<file>', 'CSV file (`,` or `;` delimited)')
      .option('--workspace <id>', 'workspace')
      .option('--no-progress', 'no progress bar')
      .option('--json', 'print one JSON object')
      .action(async (file: string, _opts, command: Command) => {
        const { config, options } = configFor(command, cmdEnv);
        const workspaceId = requiredString(options, 'workspace');
        let size: number;
        try {
          size = statSync(file).size;
        } catch {
          throw new UsageError(`cannot read ${file}`);
        }
        await withContext(config, async (ctx) => {
          const workspace = await requireWorkspace(ctx.storage.db, workspaceId);
          const stream = createReadStream(file);
          const bar =
            options.progress !== false && options.json !== true && process.stderr.isTTY
              ? new SingleBar({ format: 'spend import [{bar}] {percentage}% | {rows} rows', stream: process.stderr })
              : null;
          bar?.start(size, 0, { rows: 0 });
          const result = await importSpendCsv(
            ctx.storage.db,
            workspace.id,
            workspace.currency,
            stream,
            ctx.clock.now(),
            (rows) => bar?.update(stream.bytesRead, { rows }),
          );
          bar?.update(size);
          bar?.stop();
          if (options.json === true) printJson(cmdEnv.io, result);
          else cmdEnv.io.out(`Imported ${result.imported} spend rows into ${workspace.id}`);
        });
      }),
  );
  return spend;
}
