import { Command } from 'commander';
import { createLink, listLinks } from '../../identity/links.js';
import { requireWorkspace } from '../../workspaces/workspaces.js';
import { printJson, printTable } from '../io.js';
import {
  type CommandEnv,
  configFor,
  inWorkspace,
  requiredString,
  withContext,
  withStorageOptions,
  workspaceSubcommand,
} from '../program.js';

/** `touchpoint link create|list`: tracked short links (`/l/<slug>` -> target with `tp_click_id`). */
export function linkCommand(cmdEnv: CommandEnv): Command {
  const link = new Command('link').description('create and list tracked short links');

  link.addCommand(
    withStorageOptions(new Command('create'))
      .description('create a tracked link that redirects to --url with tp_click_id appended')
      .option('--workspace <id>', 'workspace id')
      .option('--url <url>', 'target URL')
      .option('--slug <slug>', 'short path after /l/ (random when omitted)')
      .option('--name <name>', 'a label')
      .option('--utm-source <value>', 'utm_source added to the target')
      .option('--utm-medium <value>', 'utm_medium added to the target')
      .option('--utm-campaign <value>', 'utm_campaign added to the target')
      .option('--utm-content <value>', 'utm_content added to the target')
      .option('--utm-term <value>', 'utm_term added to the target')
      .option('--json', 'print one JSON object')
      .action(async (_opts, command: Command) => {
        const { config, options } = configFor(command, cmdEnv);
        const workspaceId = requiredString(options, 'workspace');
        const url = requiredString(options, 'url');
        const text = (name: string) => (typeof options[name] === 'string' ? (options[name] as string) : undefined);
        await withContext(config, async (ctx) => {
          await requireWorkspace(ctx.storage.db, workspaceId);
          const created = await createLink(
            ctx.storage.db,
            workspaceId,
            {
              url,
              slug: text('slug'),
              name: text('name'),
              utm: {
                ...(text('utmSource') === undefined ? {} : { source: text('utmSource') }),
                ...(text('utmMedium') === undefined ? {} : { medium: text('utmMedium') }),
                ...(text('utmCampaign') === undefined ? {} : { campaign: text('utmCampaign') }),
                ...(text('utmContent') === undefined ? {} : { content: text('utmContent') }),
                ...(text('utmTerm') === undefined ? {} : { term: text('utmTerm') }),
              },
            },
            ctx.clock.now(),
          );
          const base = (config.server.publicUrl ?? '').replace(/\/$/, '');
          const shortUrl = `${base}/l/${created.slug}`;
          if (options.json === true) printJson(cmdEnv.io, { ...created, shortUrl });
          else cmdEnv.io.out(`Created ${created.id}: ${shortUrl} -> ${created.url}`);
        });
      }),
  );

  link.addCommand(
    workspaceSubcommand('list', 'list tracked links with click counts').action(async (_opts, command: Command) =>
      inWorkspace(command, cmdEnv, async (ctx, workspaceId, options) => {
        const links = await listLinks(ctx.storage.db, workspaceId);
        if (options.json === true) printJson(cmdEnv.io, { links });
        else
          printTable(
            cmdEnv.io,
            links.map((l) => ({ id: l.id, slug: l.slug, clicks: String(l.clicks ?? 0), url: l.url })),
          );
      }),
    ),
  );
  return link;
}
