import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { reportStatsOverIpc } from './process-stats.js';

/** The baseline: a bare node:http server that JSON-parses the body and replies 202. */
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: randomUUID(), status: 'accepted' }));
    } catch {
      res.writeHead(400);
      res.end();
    }
  });
});
reportStatsOverIpc();
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'close') server.close(() => process.exit(0));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'ready', port: typeof address === 'object' && address !== null ? address.port : 0 });
});
