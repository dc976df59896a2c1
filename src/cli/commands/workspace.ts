import { Command } from 'commander';
import { createToken } from '../../workspaces/tokens.js';
import { createWorkspace, listWorkspaces } from '../../workspaces/workspaces.js';
import { printJson, printTable } from '../io.js';
import { type CommandEnv, configFor, requiredString, withContext, withStorageOptions } from '../program.js';

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function workspaceCommand(cmdEnv: CommandEnv): Command {
  const workspace = new Command('workspace').description('create and list workspaces');

  workspace.addCommand(
    withStorageOptions(new Command('create'))
      .description('create a workspace with an ingest token and an admin token (shown once)')
      .option('--name <name>', 'display name')
      .option('--timezone <zone>', 'IANA timezone for reports, e.g. America/New_York', 'UTC')
      .option('--currency <code>', 'ISO 4217 reporting currency', 'USD')
      .option('--default-country <code>', 'ISO 3166 country for phone numbers without a country code', 'US')
      .option('--domain <host>', 'a site allowed to send pixel beacons (repeatable)', collect)
      .option('--json', 'print one JSON object')
      .action(async (_opts, command: Command) => {
        const { config, options } = configFor(command, cmdEnv);
        const name = requiredString(options, 'name');
        const domains = options.domain as string[] | string | undefined;
        await withContext(config, async (ctx) => {
          const now = ctx.clock.now();
          const ws = await createWorkspace(ctx.storage.db, {
            name,
            timezone: options.timezone as string,
            currency: options.currency as string,
            defaultCountry: options.defaultCountry as string,
            domains: typeof domains === 'string' ? domains.split(',') : domains,
          });
          const ingest = await createToken(ctx.storage.db, ws.id, 'ingest', 'default ingest token', now);
          const admin = await createToken(ctx.storage.db, ws.id, 'admin', 'default admin token', now);
          if (options.json === true) {
            printJson(cmdEnv.io, { ...ws, apiToken: ingest.token, adminToken: admin.token });
            return;
          }
          cmdEnv.io.out(`Created workspace ${ws.id} (${ws.name}, ${ws.timezone}, ${ws.currency})`);
          cmdEnv.io.out(`Pixel id:     ${ws.pixelId}`);
          cmdEnv.io.out(`Ingest token: ${ingest.token}`);
          cmdEnv.io.out(`Admin token:  ${admin.token}`);
          cmdEnv.io.out('The tokens are shown only now; store them somewhere safe.');
        });
      }),
  );

  workspace.addCommand(
    withStorageOptions(new Command('list'))
      .description('list workspaces')
      .option('--json', 'print one JSON object')
      .action(async (_opts, command: Command) => {
        const { config, options } = configFor(command, cmdEnv);
        await withContext(config, async (ctx) => {
          const workspaces = await listWorkspaces(ctx.storage.db);
          if (options.json === true) printJson(cmdEnv.io, { workspaces });
          else
            printTable(
              cmdEnv.io,
              workspaces.map((w) => ({
                id: w.id,
                name: w.name,
                timezone: w.timezone,
                currency: w.currency,
                pixel: w.pixelId,
              })),
            );
        });
      }),
  );
  return workspace;
}
