import { Command } from 'commander';
import { AppError } from '../../errors/codes.js';
import { createToken, isScope, listTokens, regenerateToken, revokeToken, type Scope } from '../../workspaces/tokens.js';
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

export function tokenCommand(cmdEnv: CommandEnv): Command {
  const token = new Command('token').description('create, list, revoke and regenerate API tokens');

  token.addCommand(
    workspaceSubcommand('create', 'create a token (printed once)')
      .option('--scope <scope>', 'ingest, read or admin', 'ingest')
      .option('--name <name>', 'a label to recognise the token by')
      .action(async (_opts, command: Command) =>
        inWorkspace(
          command,
          cmdEnv,
          async (ctx, workspaceId, options) => {
            const scope = options.scope as Scope;
            const created = await createToken(ctx.storage.db, workspaceId, scope, options.name as string | undefined);
            if (options.json === true)
              printJson(cmdEnv.io, { id: created.id, token: created.token, scope: created.scope });
            else cmdEnv.io.out(`${created.token}\n(${created.scope} token ${created.id}; shown only now)`);
          },
          (options) => {
            const scope = String(options.scope);
            if (!isScope(scope)) throw new UsageError(`--scope must be ingest, read or admin, got "${scope}"`);
          },
        ),
      ),
  );

  token.addCommand(
    workspaceSubcommand('list', 'list tokens by prefix and last 4 characters').action(async (_opts, command: Command) =>
      inWorkspace(command, cmdEnv, async (ctx, workspaceId, options) => {
        const tokens = await listTokens(ctx.storage.db, workspaceId);
        if (options.json === true) printJson(cmdEnv.io, { tokens });
        else
          printTable(
            cmdEnv.io,
            tokens.map((t) => ({
              id: t.id,
              scope: t.scope,
              token: t.display,
              name: t.name,
              revoked: t.revokedAt ?? '',
            })),
          );
      }),
    ),
  );

  for (const verb of ['revoke', 'regenerate'] as const) {
    token.addCommand(
      withStorageOptions(new Command(verb))
        .description(verb === 'revoke' ? 'revoke a token' : 'revoke a token and print its replacement')
        .argument('[tokenId]', 'token id (tok_…)')
        .option('--workspace <id>', 'workspace id')
        .option('--token <id>', 'token id (instead of the argument)')
        .option('--json', 'print one JSON object')
        .action(async (tokenArg: string | undefined, _opts, command: Command) => {
          const { config, options } = configFor(command, cmdEnv);
          const workspaceId = requiredString(options, 'workspace');
          const tokenId = tokenArg ?? (options.token as string | undefined);
          if (tokenId === undefined) throw new UsageError('name the token: touchpoint token revoke <tokenId>');
          await withContext(config, async (ctx) => {
            if (verb === 'revoke') {
              const revoked = await revokeToken(ctx.storage.db, workspaceId, tokenId);
              if (options.json === true) printJson(cmdEnv.io, { id: revoked.id, revokedAt: revoked.revokedAt });
              else cmdEnv.io.out(`Revoked ${revoked.id} (${revoked.display})`);
              return;
            }
            const created = await regenerateToken(ctx.storage.db, workspaceId, tokenId);
            if (options.json === true)
              printJson(cmdEnv.io, { id: created.id, token: created.token, scope: created.scope });
            else cmdEnv.io.out(`${created.token}\n(replaces ${tokenId}; shown only now)`);
          }).catch((error: unknown) => {
            if (error instanceof AppError && error.code === 'not_found') throw new UsageError(error.message);
            throw error;
          });
        }),
    );
  }
  return token;
}
