import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import type { AppContext } from '../../context/context.js';
import { closeContext, createContext } from '../../context/create-context.js';
import { pixelSnippet } from '../../pixel/snippet.js';
import { buildApp } from '../../server/app.js';
import { startBackgroundServices } from '../../server/background.js';
import { createToken } from '../../workspaces/tokens.js';
import { createWorkspace, listWorkspaces } from '../../workspaces/workspaces.js';
import type { Io } from '../io.js';
import { type CommandEnv, configFor, withStorageOptions } from '../program.js';

interface FirstRun {
  workspaceId: string;
  pixelId: string;
  ingestToken: string;
  adminToken: string;
}

/** On an empty database: a default workspace with an ingest and an admin token to print once. */
async function ensureDefaultWorkspace(ctx: AppContext): Promise<FirstRun | undefined> {
  if ((await listWorkspaces(ctx.storage.db)).length > 0) return undefined;
  const ws = await createWorkspace(ctx.storage.db, { name: 'Default', domains: ['localhost'] });
  const ingest = await createToken(ctx.storage.db, ws.id, 'ingest', 'first-run ingest token');
  const admin = await createToken(ctx.storage.db, ws.id, 'admin', 'first-run admin token');
  return { workspaceId: ws.id, pixelId: ws.pixelId, ingestToken: ingest.token, adminToken: admin.token };
}

function printWelcome(io: Io, url: string, firstRun: FirstRun | undefined): void {
  io.out(`Dashboard:    ${url}/`);
  io.out(`API docs:     ${url}/docs`);
  if (firstRun === undefined) {
    io.out('Tokens are shown only when created: `touchpoint token create --workspace <id>` makes a new one.');
    return;
  }
  io.out(`Workspace:    ${firstRun.workspaceId} (Default)`);
  io.out(`API token:    ${firstRun.ingestToken}`);
  io.out(`Admin token:  ${firstRun.adminToken}`);
  io.out('These tokens are shown once; store them now. Try:');
  io.out(
    `  curl -X POST ${url}/public-api/v1/events -H 'Authorization: Bearer ${firstRun.ingestToken}' -H 'Content-Type: application/json' -d '{"event_name":"lead_generated","email":"ada@example.com"}'`,
  );
  io.out('Pixel snippet (paste before </head>):');
  io.out(pixelSnippet(url, firstRun.pixelId));
}

export function serveCommand(cmdEnv: CommandEnv): Command {
  return withStorageOptions(new Command('serve'))
    .description('run the API server (and the delivery worker)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on; 0 picks a free one (default 8080)')
    .option('--no-worker', 'do not run the delivery worker in this process')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option(
      '--trust-proxy [proxies]',
      'honour X-Forwarded-* from these proxies (true, or a comma list of addresses/CIDRs)',
    )
    .option('--require-https', 'reject API calls that did not arrive over HTTPS')
    .option('--body-limit <bytes>', 'largest request body accepted (default 512000)')
    .option('--rate-limit <perMinute>', 'ingestion requests per minute per workspace (0: unlimited)')
    .option(
      '--ingest-max-backlog <events>',
      'acknowledged events waiting for processing past which ingestion waits (backpressure)',
    )
    .option('--ingest-thread', 'SQLite: commit and process ingestion in a worker thread of its own')
    .option(
      '--no-ack-journal',
      'with --ingest-thread: acknowledge through the thread instead of the acknowledgement journal file',
    )
    .option('--public-url <url>', 'the URL browsers reach this server at (for the pixel snippet)')
    .option('--secret-key <key>', 'key that encrypts destination credentials at rest')
    .action(async (_opts, command: Command) => {
      const { config } = configFor(command, cmdEnv);
      const ctx = await createContext(config);
      const firstRun = await ensureDefaultWorkspace(ctx);
      const app = await buildApp(ctx);
      await app.listen({ host: config.server.host, port: config.server.port });
      const address = app.server.address() as AddressInfo;
      const scheme = config.server.tlsCert === undefined ? 'http' : 'https';
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const url = `${scheme}://${host}:${address.port}`;
      const background = config.worker ? startBackgroundServices(ctx) : [];

      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = async (signal: string) => {
          if (stopping) return;
          stopping = true;
          ctx.log.info({ signal }, 'server.stopping');
          // Stop accepting, let in-flight requests finish (their writes commit before they answer),
          // stop workers, flush the write queue, close the database.
          await app.close();
          await Promise.all(background.map((service) => service.stop()));
          await closeContext(ctx);
          ctx.log.info('server.stopped');
          resolve();
        };
        process.once('SIGTERM', () => void stop('SIGTERM'));
        process.once('SIGINT', () => void stop('SIGINT'));
        // Printed once a signal would stop the server gracefully: a supervisor (or a test) may send
        // one as soon as it reads this line.
        cmdEnv.io.out(`Touchpoint listening on ${url}`);
        printWelcome(cmdEnv.io, config.server.publicUrl ?? url, firstRun);
      });
    });
}
