import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { isModelName, MODELS } from '../../attribution/models.js';
import { attributePaths, parsePathsFile } from '../../attribution/paths-file.js';
import { printJson, printTable } from '../io.js';
import { type CommandEnv, UsageError } from '../program.js';

function round(value: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * `touchpoint attribute --input paths.csv --model <model> [--order K] [--json]`: runs a model over a
 * paths file (ChannelAttribution's format) with the same engine as the reports. Needs no database.
 */
export function attributeCommand(cmdEnv: CommandEnv): Command {
  return new Command('attribute')
    .description('attribute conversions over a paths file (path;total_conversions;total_conversion_value;total_null)')
    .requiredOption('--input <file>', 'paths file, `,` or `;` delimited')
    .option('--model <model>', `one of ${MODELS.join(', ')}`, 'markov')
    .option('--order <k>', 'Markov order (1-3)', '1')
    .option('--source-specific', 'only paid ad channels take credit (heuristic models)')
    .option('--half-life-days <days>', 'time decay half-life', '7')
    .option('--json', 'print one JSON object { model, channels: [ { channel, conversions, value } ] }')
    .action(async (opts: Record<string, unknown>) => {
      const model = String(opts.model);
      if (!isModelName(model)) throw new UsageError(`--model must be one of ${MODELS.join(', ')}`);
      const order = Number(opts.order);
      if (!Number.isInteger(order) || order < 1 || order > 3) throw new UsageError('--order must be 1, 2 or 3');
      const halfLifeDays = Number(opts.halfLifeDays);
      if (!(halfLifeDays > 0)) throw new UsageError('--half-life-days must be a positive number');
      let text: string;
      try {
        text = readFileSync(String(opts.input), 'utf8');
      } catch (error) {
        throw new UsageError(`cannot read ${String(opts.input)}: ${(error as Error).message}`);
      }
      const channels = attributePaths(parsePathsFile(text), model, {
        order,
        sourceSpecific: opts.sourceSpecific === true,
        halfLifeMs: halfLifeDays * 86_400_000,
      });
      if (opts.json === true) {
        printJson(cmdEnv.io, { model, channels });
        return;
      }
      printTable(
        cmdEnv.io,
        channels.map((c) => ({
          channel: c.channel,
          conversions: round(c.conversions, 2).toFixed(2),
          value: round(c.value, 2).toFixed(2),
        })),
      );
    });
}
