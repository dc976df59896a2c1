import { Command } from 'commander';
import {
  createDestination,
  deleteDestination,
  listDestinations,
  testDestination,
  updateDestination,
} from '../../delivery/destinations.js';
import { DESTINATION_KINDS, isDestinationKind } from '../../destinations/types.js';
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

function parseConfigJson(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string')
    throw new UsageError('--config is required: a JSON object, e.g. \'{"pixelId":"123","accessToken":"…"}\'');
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new UsageError('--config must be a JSON object');
  }
}

/** `touchpoint destination add|list|update|remove|test` — the same verbs as /api/v1/destinations. */
export function destinationCommand(cmdEnv: CommandEnv): Command {
  const destination = new Command('destination').description('configure where conversions are delivered');

  destination.addCommand(
    withStorageOptions(new Command('add'))
      .description(`add a destination (${DESTINATION_KINDS.join('|')})`)
      .option('--workspace <id>', 'workspace id')
      .option('--type <type>', DESTINATION_KINDS.join(' | '))
      .option('--name <name>', 'a label')
      .option('--config <json>', 'configuration JSON (credentials are stored encrypted)')
      .option('--secret-key <key>', 'key that encrypts destination credentials at rest')
      .option('--json', 'print one JSON object')
      .action(async (_opts, command: Command) => {
        const { config, options } = configFor(command, cmdEnv);
        const workspaceId = requiredString(options, 'workspace');
        const type = requiredString(options, 'type');
        if (!isDestinationKind(type))
          throw new UsageError(`--type must be one of ${DESTINATION_KINDS.join(', ')}, got "${type}"`);
        const destinationConfig = parseConfigJson(options.config);
        await withContext(config, async (ctx) => {
          await requireWorkspace(ctx.storage.db, workspaceId);
          const created = await createDestination(ctx, workspaceId, {
            type,
            name: options.name as string | undefined,
            config: destinationConfig,
          });
          if (options.json === true) printJson(cmdEnv.io, { id: created.id });
          else cmdEnv.io.out(`Added ${created.type} destination ${created.id} (${created.name})`);
        });
      }),
  );

  destination.addCommand(
    withStorageOptions(new Command('list'))
      .description('list destinations (credentials masked)')
      .option('--workspace <id>', 'workspace id')
      .option('--secret-key <key>', 'key that encrypts destination credentials at rest')
      .option('--json', 'print one JSON object')
      .action(async (_opts, command: Command) => {
        const { config, options } = configFor(command, cmdEnv);
        const workspaceId = requiredString(options, 'workspace');
        await withContext(config, async (ctx) => {
          const list = await listDestinations(ctx, workspaceId);
          if (options.json === true) printJson(cmdEnv.io, { destinations: list });
          else
            printTable(
              cmdEnv.io,
              list.map((d) => ({ id: d.id, type: d.type, name: d.name, enabled: String(d.enabled) })),
            );
        });
      }),
  );

  destination.addCommand(
    withStorageOptions(new Command('update'))
      .description('change a destination (config is merged; omitted credentials are kept)')
      .argument('<destinationId>', 'dst_…')
      .option('--workspace <id>', 'workspace id')
      .option('--config <json>', 'configuration keys to change')
      .option('--enable', 'enable it')
      .option('--disable', 'disable it')
      .option('--secret-key <key>', 'key that encrypts destination credentials at rest')
      .option('--json', 'print one JSON object')
      .action(async (destinationId: string, _opts, command: Command) => {
        const { config, options } = configFor(command, cmdEnv);
        const workspaceId = requiredString(options, 'workspace');
        const patchConfig = options.config === undefined ? undefined : parseConfigJson(options.config);
        const enabled = options.enable === true ? true : options.disable === true ? false : undefined;
        await withContext(config, async (ctx) => {
          const updated = await updateDestination(ctx, workspaceId, destinationId, { config: patchConfig, enabled });
          if (options.json === true) printJson(cmdEnv.io, updated);
          else cmdEnv.io.out(`Updated ${updated.id} (${updated.enabled ? 'enabled' : 'disabled'})`);
        });
      }),
  );

  destination.addCommand(
    workspaceSubcommand('remove', 'remove a destination')
      .argument('<destinationId>', 'dst_…')
      .option('--secret-key <key>', 'key that encrypts destination credentials at rest')
      .action(async (destinationId: string, _opts, command: Command) =>
        inWorkspace(command, cmdEnv, async (ctx, workspaceId, options) => {
          const removed = await deleteDestination(ctx, workspaceId, destinationId);
          if (options.json === true) printJson(cmdEnv.io, { id: removed.id, removed: true });
          else cmdEnv.io.out(`Removed ${removed.id}`);
        }),
      ),
  );

  destination.addCommand(
    workspaceSubcommand('test', 'test the connection to a destination')
      .argument('<destinationId>', 'dst_…')
      .option('--secret-key <key>', 'key that encrypts destination credentials at rest')
      .action(async (destinationId: string, _opts, command: Command) =>
        inWorkspace(command, cmdEnv, async (ctx, workspaceId, options) => {
          const result = await testDestination(ctx, workspaceId, destinationId);
          if (options.json === true) printJson(cmdEnv.io, result);
          else cmdEnv.io.out(`${result.ok ? 'OK' : 'FAILED'}: ${result.message}`);
          if (!result.ok) throw new Error('connection test failed');
        }),
      ),
  );
  return destination;
}
