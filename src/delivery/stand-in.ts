import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP stand-in for an ad platform or webhook receiver, for tests and benchmarks (never the
 * internet). It records every request, checks auth, and fails on demand: scripted behaviours are
 * consumed one per request (500s, 429 + Retry-After, timeouts, connection resets), then the default
 * answer applies.
 */
export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: unknown;
  at: number;
  /** What the stand-in answered (0 for hang/reset). */
  status: number;
}

export interface StandInOptions {
  /** Answer when no behaviour is scripted: status and body from the parsed request. */
  respond?: (request: RecordedRequest) => { status: number; body: unknown; headers?: Record<string, string> };
  /** Returns an error message to answer 401 with. */
  auth?: (request: RecordedRequest) => string | undefined;
}

export interface StandIn {
  url: string;
  requests: RecordedRequest[];
  script: Behaviour[];
  /** Requests answered 2xx. */
  succeeded(): RecordedRequest[];
  close(): Promise<void>;
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const requests: RecordedRequest[] = [];
  const script: Behaviour[] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw === '' ? null : (JSON.parse(raw) as unknown);
      } catch {
        // not JSON
      }
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        raw,
        body,
        at: Date.now(),
        status: 0,
      };
      requests.push(recorded);
      const answer = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
        recorded.status = status;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      const authError = options.auth?.(recorded);
      if (authError !== undefined) return answer(401, { error: { message: authError, code: 190 } });
      const behaviour = script.shift() ?? { kind: 'ok' };
      const fallback = () => {
        const r = options.respond?.(recorded) ?? { status: 200, body: { ok: true } };
        answer(r.status, r.body, r.headers);
      };
      switch (behaviour.kind) {
        case 'ok':
          return fallback();
        case 'status':
          return answer(
            behaviour.status,
            behaviour.body ?? { error: { message: `scripted ${behaviour.status}` } },
            behaviour.headers,
          );
        case 'hang':
          hanging.add(res);
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'delay':
          setTimeout(fallback, behaviour.ms);
          return;
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script,
    succeeded: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Meta CAPI stand-in answer: 200 with events_received, or Graph error 100 when `reject` matches an event. */
export function metaRespond(reject?: (event: Record<string, unknown>) => boolean) {
  return (request: RecordedRequest) => {
    const data = ((request.body as { data?: Array<Record<string, unknown>> } | null)?.data ?? []) as Array<
      Record<string, unknown>
    >;
    if (reject !== undefined && data.some(reject)) {
      return {
        status: 400,
        body: {
          error: {
            message: 'Invalid parameter',
            type: 'OAuthException',
            code: 100,
            error_subcode: 2804050,
            is_transient: false,
            fbtrace_id: 'AbC',
          },
        },
      };
    }
    return { status: 200, body: { events_received: data.length, messages: [], fbtrace_id: 'AbC' } };
  };
}
