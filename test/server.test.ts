import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/context/create-context.js';
import { stripTrailingCommas } from '../src/ingest/json-text.js';
import { buildApp } from '../src/server/app.js';
import { lazyChildLogger } from '../src/server/plugins/lazy-child-logger.js';
import {
  BACKENDS,
  bearer,
  createTestApp,
  createTestContext,
  createTestWorkspace,
  type TestApp,
  type TestContext,
} from './support/backends.js';

describe('stripTrailingCommas', () => {
  it.each([
    ['{"a":1,}', '{"a":1}'],
    ['{"a":[1,2,],}', '{"a":[1,2]}'],
    ['{"a":",}"}', '{"a":",}"}'],
    ['{"a":"\\",}",}', '{"a":"\\",}"}'],
    [
      '{\n  "event_name" : "lead_generated",\n  "email" : "x@y.z",\n}',
      '{\n  "event_name" : "lead_generated",\n  "email" : "x@y.z"\n}',
    ],
  ])('%s', (input, expected) => {
    expect(stripTrailingCommas(input)).toBe(expected);
  });
});

describe.each(BACKENDS)('%s backend: server edge', (backend) => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('answers /healthz, /readyz and /metrics', async () => {
    t = await createTestApp(backend);
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', database: backend });
    await t.app.inject({ url: '/api/v1/workspace', headers: bearer(t.ws.read) });
    const metrics = await t.app.inject({ url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(
      /touchpoint_http_requests_total\{method="GET",route="\/api\/v1\/workspace",status="200"\} 1/,
    );
    expect(metrics.body).toContain('touchpoint_process_resident_memory_bytes');
  });

  it('reports not ready when the database is gone', async () => {
    t = await createTestApp(backend);
    await t.ctx.storage.close();
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'unavailable' } });
    // reopen so close() in afterEach works on a live handle
    const { openStorage } = await import('../src/storage/database.js');
    t.ctx.storage = openStorage(t.ctx.config.storage);
    t.ctx.writes = new (await import('../src/storage/write-queue.js')).WriteQueue(t.ctx.storage.db);
  });

  it('echoes a well-formed Request-Id, generates one otherwise, on every response', async () => {
    t = await createTestApp(backend);
    const echoed = await t.app.inject({ url: '/healthz', headers: { 'request-id': 'abc-123' } });
    expect(echoed.headers['request-id']).toBe('abc-123');
    const xEchoed = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace.42' } });
    expect(xEchoed.headers['request-id']).toBe('trace.42');
    const bad = await t.app.inject({ url: '/healthz', headers: { 'request-id': 'has spaces and <html>' } });
    expect(bad.headers['request-id']).toMatch(/^req_[0-9A-Z]{26}$/);
    const missing = await t.app.inject({ url: '/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['request-id']).toMatch(/^req_/);
    expect(missing.json()).toMatchObject({ error: { code: 'not_found', message: expect.stringContaining('/nope') } });
  });

  it('answers bad input with the error envelope, never a 5xx', async () => {
    t = await createTestApp(backend);
    const cases = [
      { payload: '{"name": ', type: 'application/json', status: 400, code: 'invalid_json' },
      { payload: '', type: 'application/json', status: 400, code: 'invalid_json' },
      { payload: 'name=x', type: 'application/x-www-form-urlencoded', status: 415, code: 'unsupported_media_type' },
      { payload: '{"name": 5}', type: 'application/json', status: 422, code: 'validation_failed', field: 'name' },
      { payload: '{"bogus": 1}', type: 'application/json', status: 422, code: 'validation_failed', field: 'bogus' },
      {
        payload: '{"currency": "ZZZ"}',
        type: 'application/json',
        status: 422,
        code: 'validation_failed',
        field: 'currency',
      },
      { payload: '{"__proto__": {"admin": true}, "name": "ok",}', type: 'application/json', status: 200 },
    ];
    for (const c of cases) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: '/api/v1/workspace',
        headers: { ...bearer(t.ws.admin), 'content-type': c.type },
        payload: c.payload,
      });
      expect({ payload: c.payload, status: res.statusCode }).toEqual({ payload: c.payload, status: c.status });
      expect(res.headers['request-id']).toBeDefined();
      if (c.status >= 400) {
        const body = res.json() as { error: { code: string; message: string; field?: string; docs: string } };
        expect(body.error.code).toBe(c.code);
        expect(body.error.message.length).toBeGreaterThan(5);
        expect(body.error.docs).toBe(`/docs/errors#${c.code}`);
        if (c.field !== undefined) expect(body.error.field).toBe(c.field);
      }
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('rejects bodies over the limit with 413', async () => {
    t = await createTestApp(backend, { bodyLimit: '2048' });
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/workspace',
      headers: { ...bearer(t.ws.admin), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(5000) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('serves the OpenAPI document and the explorer at /docs', async () => {
    t = await createTestApp(backend);
    const doc = await t.app.inject({ url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    const openapi = doc.json() as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/workspace', '/api/v1/tokens']));
    const errors = await t.app.inject({ url: '/docs/errors' });
    expect(errors.statusCode).toBe(200);
    expect(errors.body).toContain('## validation_failed');
    const ui = await t.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });

  it('with --require-https rejects plain HTTP, and honours X-Forwarded-Proto only from trusted proxies', async () => {
    t = await createTestApp(backend, { requireHttps: true });
    const plain = await t.app.inject({ url: '/api/v1/workspace', headers: bearer(t.ws.read) });
    expect(plain.statusCode).toBe(403);
    expect(plain.json()).toMatchObject({ error: { code: 'https_required' } });
    const spoofed = await t.app.inject({
      url: '/api/v1/workspace',
      headers: { ...bearer(t.ws.read), 'x-forwarded-proto': 'https' },
    });
    expect(spoofed.statusCode).toBe(403);
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    await t.close();

    t = await createTestApp(backend, { requireHttps: true, trustProxy: '127.0.0.1' });
    const proxied = await t.app.inject({
      url: '/api/v1/workspace',
      headers: { ...bearer(t.ws.read), 'x-forwarded-proto': 'https' },
      remoteAddress: '127.0.0.1',
    });
    expect(proxied.statusCode).toBe(200);
    const untrustedPeer = await t.app.inject({
      url: '/api/v1/workspace',
      headers: { ...bearer(t.ws.read), 'x-forwarded-proto': 'https' },
      remoteAddress: '10.1.2.3',
    });
    expect(untrustedPeer.statusCode).toBe(403);
  });
});

/** The app's logger at `level`, its lines parsed into `lines`. */
function capturedLogger(level: string, lines: Array<Record<string, unknown>>) {
  return createLogger(level, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
}

describe("request loggers (the request's child logger is made on first use)", () => {
  let t: TestContext | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  afterEach(async () => {
    await app?.close();
    await t?.close();
  });

  it('an accepted event makes no child logger; a rejected one logs with its request id', async () => {
    t = await createTestContext('sqlite', { logLevel: 'info' });
    const lines: Array<Record<string, unknown>> = [];
    const log = capturedLogger('info', lines);
    const child = log.child.bind(log);
    let made = 0;
    log.child = ((bindings, options) => {
      made++;
      return child(bindings, options);
    }) as typeof log.child;
    t.ctx.log = log;
    const server = await buildApp(t.ctx);
    app = server;
    const ws = await createTestWorkspace(t.ctx);
    const send = (payload: object) =>
      server.inject({ method: 'POST', url: '/public-api/v1/events', headers: bearer(ws.ingest), payload });

    await server.ready();
    const before = made;
    const accepted = await send({ event_name: 'lead_generated', email: 'a@example.com' });
    expect(accepted.statusCode).toBe(202);
    expect(made).toBe(before);

    const rejected = await send({ event_name: 'lead_generated', email: 'not-an-email' });
    expect(rejected.statusCode).toBe(422);
    expect(made).toBe(before + 1);
    const line = lines.find((l) => l.msg === 'request rejected');
    expect(line).toMatchObject({ requestId: rejected.headers['request-id'], code: 'validation_failed', level: 30 });
  });

  it('the stand-in writes each level through one child, reports its level and makes grandchildren', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = capturedLogger('trace', lines);
    const lazy = lazyChildLogger(log, { requestId: 'req_1' }, {});
    expect(lazy.level).toBe('trace');
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const) {
      lazy[level]({ user: { email: 'a@example.com' } }, `at ${level}`);
    }
    lazy.silent('never written');
    expect(lines.map((l) => [l.msg, l.level, l.requestId])).toEqual([
      ['at fatal', 60, 'req_1'],
      ['at error', 50, 'req_1'],
      ['at warn', 40, 'req_1'],
      ['at info', 30, 'req_1'],
      ['at debug', 20, 'req_1'],
      ['at trace', 10, 'req_1'],
    ]);
    expect(lines[0]).toMatchObject({ user: { email: '[redacted]' } });
    lazy.child({ step: 2 }).info('nested');
    expect(lines.at(-1)).toMatchObject({ msg: 'nested', requestId: 'req_1', step: 2 });
    lazy.level = 'error';
    lazy.info('dropped');
    expect(lines.at(-1)?.msg).toBe('nested');
    expect(lazy.level).toBe('error');
    expect(lazyChildLogger(log, {}, { level: 'warn' }).level).toBe('warn');
  });
});
