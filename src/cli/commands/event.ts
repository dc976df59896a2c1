import { Command } from 'commander';
import type { IngestSurface } from '../../events/aliases.js';
import { CATALOG } from '../../events/catalog.js';
import {
  archiveCustomEvent,
  type CustomEventDefinition,
  type CustomEventInput,
  defineCustomEvent,
  getCustomEvent,
  loadCustomEvents,
  updateCustomEvent,
} from '../../events/custom-events.js';
import { explainRoute, INGEST_SURFACES } from '../../events/explain.js';
import { requireWorkspace } from '../../workspaces/workspaces.js';
import { printJson, printTable } from '../io.js';
import {
  type CommandEnv,
  configFor,
  inWorkspace,
  requiredString,
  UsageError,
  withContext,
  withStorageOptions,
  workspaceSubcommand,
} from '../program.js';

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
const ACTOR = 'cli';

function numberOption(options: Record<string, unknown>, name: string): number | undefined {
  const raw = options[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got "${String(raw)}"`);
  return value;
}

function destinationNames(values: string[] | string | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const pair of typeof values === 'string' ? values.split(',') : values) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) {
      throw new UsageError(`--destination-name takes kind=PlatformName (e.g. meta=TrialActivated), got "${pair}"`);
    }
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

function row(def: CustomEventDefinition): Record<string, string> {
  return {
    key: def.key,
    name: def.displayName,
    slot: def.slot === null ? '' : `custom_event_${def.slot}`,
    value: def.defaultValue === null ? '' : `${def.defaultValue} ${def.defaultCurrency ?? ''}`.trim(),
    tags: def.tags.join(','),
    archived: def.archived ? 'yes' : '',
  };
}

/** `touchpoint event define|list|archive|catalog|explain`: the workspace's event definitions. */
export function eventCommand(cmdEnv: CommandEnv): Command {
  const event = new Command('event').description('define, list and archive custom events; show the catalog');

  event.addCommand(
    withStorageOptions(new Command('define'))
      .description('define a custom event, or change an existing one')
      .argument('<key>', 'the key product code sends, e.g. trial.activated')
      .option('--workspace <id>', 'workspace id')
      .option('--name <displayName>', 'display name')
      .option('--slot <n>', 'the custom_event_N slot (1-25) this event answers to; "none" clears it')
      .option('--value <amount>', 'default value in major units')
      .option('--currency <code>', 'ISO 4217 currency of the default value')
      .option('--tag <tag>', 'a tag such as plan:pro or revenue (repeatable)', collect)
      .option('--destination-name <kind=name>', 'platform event name per destination (repeatable)', collect)
      .option('--json', 'print one JSON object')
      .action(async (key: string, _opts, command: Command) => {
        const { config, options } = configFor(command, cmdEnv);
        const workspaceId = requiredString(options, 'workspace');
        const tags = options.tag as string[] | string | undefined;
        const input: CustomEventInput = {
          displayName: options.name as string | undefined,
          slot: options.slot === 'none' ? null : numberOption(options, 'slot'),
          defaultValue: numberOption(options, 'value'),
          defaultCurrency: options.currency as string | undefined,
          tags: typeof tags === 'string' ? tags.split(',') : tags,
          destinationNames: destinationNames(options.destinationName as string[] | string | undefined),
        };
        await withContext(config, async (ctx) => {
          const db = ctx.storage.db;
          await requireWorkspace(db, workspaceId);
          const now = ctx.clock.now();
          const exists = (await getCustomEvent(db, workspaceId, key)) !== undefined;
          const def = exists
            ? await updateCustomEvent(db, workspaceId, key, input, ACTOR, now)
            : await defineCustomEvent(db, workspaceId, key, input, ACTOR, now);
          if (options.json === true) printJson(cmdEnv.io, def);
          else cmdEnv.io.out(`${exists ? 'Updated' : 'Defined'} custom event ${def.key} (${def.displayName})`);
        });
      }),
  );

  event.addCommand(
    workspaceSubcommand('list', "list the workspace's custom events")
      .option('--all', 'include archived events')
      .action(async (_opts, command: Command) =>
        inWorkspace(command, cmdEnv, async (ctx, workspaceId, options) => {
          const all = await loadCustomEvents(ctx.storage.db, workspaceId);
          const events = options.all === true ? all : all.filter((d) => !d.archived);
          if (options.json === true) printJson(cmdEnv.io, { customEvents: events });
          else printTable(cmdEnv.io, events.map(row));
        }),
      ),
  );

  event.addCommand(
    workspaceSubcommand('archive', 'archive a custom event (kept for history; its slot is freed)')
      .argument('<key>', 'custom event key')
      .action(async (key: string, _opts, command: Command) =>
        inWorkspace(command, cmdEnv, async (ctx, workspaceId, options) => {
          const def = await archiveCustomEvent(ctx.storage.db, workspaceId, key, ACTOR, ctx.clock.now());
          if (options.json === true) printJson(cmdEnv.io, def);
          else cmdEnv.io.out(`Archived custom event ${def.key}`);
        }),
      ),
  );

  event.addCommand(
    new Command('catalog')
      .description('list the canonical events (no database needed)')
      .option('--stage <stage>', 'only one funnel stage')
      .option('--json', 'print one JSON object')
      .action((_opts, command: Command) => {
        const options = command.opts() as { stage?: string; json?: boolean };
        const events = CATALOG.filter((e) => options.stage === undefined || e.stage === options.stage);
        if (options.json === true) printJson(cmdEnv.io, { events });
        else
          printTable(
            cmdEnv.io,
            events.map((e) => ({
              name: e.name,
              stage: e.stage,
              extension: e.extension ? 'yes' : '',
              description: e.description,
            })),
          );
      }),
  );

  event.addCommand(
    withStorageOptions(new Command('explain'))
      .description('show what an incoming event name becomes and what each destination kind receives')
      .argument('<name>', 'the event name as sent')
      .option('--workspace <id>', 'workspace id')
      .option('--surface <surface>', `one of ${INGEST_SURFACES.join(', ')}`, 'capture')
      .option('--json', 'print one JSON object')
      .action(async (name: string, _opts, command: Command) => {
        const { config, options } = configFor(command, cmdEnv);
        const workspaceId = requiredString(options, 'workspace');
        const surface = String(options.surface);
        if (!(INGEST_SURFACES as readonly string[]).includes(surface)) {
          throw new UsageError(`--surface must be one of ${INGEST_SURFACES.join(', ')}`);
        }
        await withContext(config, async (ctx) => {
          await requireWorkspace(ctx.storage.db, workspaceId);
          const explained = await explainRoute(ctx.storage.db, workspaceId, name, surface as IngestSurface);
          if (options.json === true) {
            printJson(cmdEnv.io, explained);
            return;
          }
          if (explained.event === null) {
            cmdEnv.io.out(`${name} (${surface}): ${explained.message ?? 'rejected'}`);
            return;
          }
          cmdEnv.io.out(`${name} (${surface}) -> ${explained.resolution} event ${explained.event}`);
          printTable(
            cmdEnv.io,
            Object.entries(explained.destinations).map(([kind, d]) => ({
              destination: kind,
              sends: d.send ? (d.platformEventName ?? '') : '-',
              why: d.reason,
            })),
          );
        });
      }),
  );
  return event;
}
