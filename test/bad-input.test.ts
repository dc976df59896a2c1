import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, bearer, createTestApp, type TestApp } from './support/backends.js';

interface Case {
  name: string;
  url: string;
  body: unknown;
  status: number;
  code: string;
  /** The error must name this field (exact match), when given. */
  field?: string;
  headers?: Record<string, string>;
  token?: 'ingest' | 'read' | 'none';
}

const C = '/public-api/v1/events';
const CAP = '/api/v1/capture';
const BATCH = '/api/v1/capture/batch';
const SEG = '/v1/track';
const CONV = '/api/v1/conversions';
const ok = { event_name: 'lead_generated', email: 'bad@example.com' };
const deep = (levels: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < levels; i++) value = { nested: value };
  return value;
};

const CASES: Case[] = [
  // broken JSON / wrong media type
  {
    name: 'truncated JSON',
    url: C,
    body: '{"event_name": "lead_generated", "email": ',
    status: 400,
    code: 'invalid_json',
  },
  { name: 'empty body', url: C, body: '', status: 400, code: 'invalid_json' },
  { name: 'single quotes', url: C, body: "{'event_name': 'x'}", status: 400, code: 'invalid_json' },
  { name: 'JSON array instead of object', url: C, body: '[1,2,3]', status: 422, code: 'validation_failed' },
  { name: 'JSON string body', url: C, body: '"lead_generated"', status: 422, code: 'validation_failed' },
  {
    name: 'form-encoded body',
    url: C,
    body: 'event_name=lead',
    status: 415,
    code: 'unsupported_media_type',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  },
  {
    name: 'text/plain body',
    url: CAP,
    body: '{"event":"SignUp"}',
    status: 415,
    code: 'unsupported_media_type',
    headers: { 'content-type': 'text/plain' },
  },
  {
    name: 'unknown content encoding',
    url: SEG,
    body: '{}',
    status: 415,
    code: 'unsupported_media_type',
    headers: { 'content-encoding': 'br' },
  },
  {
    name: 'gzip header on a plain body',
    url: SEG,
    body: '{"userId":"u","event":"Signed Up"}',
    status: 400,
    code: 'invalid_request',
    headers: { 'content-encoding': 'gzip' },
  },
  // auth
  { name: 'no token', url: C, body: ok, status: 401, code: 'unauthorized', token: 'none' },
  { name: 'read token on ingest', url: C, body: ok, status: 403, code: 'forbidden', token: 'read' },
  {
    name: 'garbage bearer',
    url: CAP,
    body: { event: 'SignUp', email: 'a@b.co' },
    status: 401,
    code: 'unauthorized',
    headers: { authorization: 'Bearer nope' },
  },
  // wrong types
  {
    name: 'event_name number',
    url: C,
    body: { ...ok, event_name: 42 },
    status: 422,
    code: 'validation_failed',
    field: 'event_name',
  },
  {
    name: 'email object',
    url: C,
    body: { ...ok, email: { a: 1 } },
    status: 422,
    code: 'validation_failed',
    field: 'email',
  },
  {
    name: 'amount boolean',
    url: C,
    body: { ...ok, amount: true },
    status: 422,
    code: 'validation_failed',
    field: 'amount',
  },
  {
    name: 'do_not_capi string',
    url: C,
    body: { ...ok, do_not_capi: 'yes' },
    status: 422,
    code: 'validation_failed',
    field: 'do_not_capi',
  },
  {
    name: 'capture value string',
    url: CAP,
    body: { event: 'Purchase', email: 'a@b.co', value: 'ten' },
    status: 422,
    code: 'validation_failed',
    field: 'value',
  },
  {
    name: 'capture properties array',
    url: CAP,
    body: { event: 'SignUp', email: 'a@b.co', properties: [1] },
    status: 422,
    code: 'validation_failed',
    field: 'properties',
  },
  {
    name: 'capture unknown field',
    url: CAP,
    body: { event: 'SignUp', email: 'a@b.co', emial: 'x' },
    status: 422,
    code: 'validation_failed',
    field: 'emial',
  },
  {
    name: 'capture clickIds unknown key',
    url: CAP,
    body: { event: 'SignUp', email: 'a@b.co', clickIds: { foo: 'x' } },
    status: 422,
    code: 'validation_failed',
    field: 'clickIds.foo',
  },
  {
    name: 'batch not an array',
    url: BATCH,
    body: { batch: {} },
    status: 422,
    code: 'validation_failed',
    field: 'batch',
  },
  { name: 'batch empty', url: BATCH, body: { batch: [] }, status: 422, code: 'validation_failed', field: 'batch' },
  {
    name: 'conversion event unknown',
    url: CONV,
    body: { event: 'refund', email: 'a@b.co' },
    status: 422,
    code: 'validation_failed',
    field: 'event',
  },
  {
    name: 'segment userId object',
    url: SEG,
    body: { userId: { id: 1 }, event: 'Signed Up' },
    status: 422,
    code: 'validation_failed',
    field: 'userId',
  },
  // unknown event names
  {
    name: 'unknown Cometly event',
    url: C,
    body: { ...ok, event_name: 'bought_stuff' },
    status: 422,
    code: 'unknown_event',
    field: 'event_name',
  },
  {
    name: 'unknown capture event',
    url: CAP,
    body: { event: 'TotallyMadeUp', email: 'a@b.co' },
    status: 422,
    code: 'unknown_event',
    field: 'event',
  },
  {
    name: 'custom_event_26 out of range',
    url: C,
    body: { ...ok, event_name: 'custom_event_26' },
    status: 422,
    code: 'unknown_event',
    field: 'event_name',
  },
  {
    name: 'empty event_name',
    url: C,
    body: { ...ok, event_name: '' },
    status: 422,
    code: 'validation_failed',
    field: 'event_name',
  },
  {
    name: 'segment track without event',
    url: SEG,
    body: { userId: 'u1' },
    status: 422,
    code: 'validation_failed',
    field: 'event',
  },
  // empty identity
  {
    name: 'Cometly no identity',
    url: C,
    body: { event_name: 'lead_generated' },
    status: 422,
    code: 'missing_identity',
    field: 'email',
  },
  {
    name: 'Cometly blank email',
    url: C,
    body: { event_name: 'lead_generated', email: '   ' },
    status: 422,
    code: 'missing_identity',
    field: 'email',
  },
  {
    name: 'capture no identity',
    url: CAP,
    body: { event: 'SignUp' },
    status: 422,
    code: 'missing_identity',
    field: 'email',
  },
  {
    name: 'segment no ids',
    url: SEG,
    body: { event: 'Signed Up' },
    status: 422,
    code: 'missing_identity',
    field: 'userId',
  },
  {
    name: 'conversion no identity',
    url: CONV,
    body: { event: 'sale', amount: 5 },
    status: 422,
    code: 'missing_identity',
    field: 'customerExternalId',
  },
  // malformed values
  {
    name: 'email without @',
    url: C,
    body: { ...ok, email: 'not-an-email' },
    status: 422,
    code: 'validation_failed',
    field: 'email',
  },
  { name: 'invalid IP', url: C, body: { ...ok, ip: '999.1.1.1' }, status: 422, code: 'validation_failed', field: 'ip' },
  {
    name: 'phone letters',
    url: C,
    body: { ...ok, phone: 'call me maybe' },
    status: 422,
    code: 'validation_failed',
    field: 'phone',
  },
  // huge strings / deep nesting
  {
    name: 'huge email',
    url: C,
    body: { ...ok, email: `${'a'.repeat(400)}@example.com` },
    status: 422,
    code: 'validation_failed',
    field: 'email',
  },
  {
    name: 'body over 32 KB',
    url: C,
    body: { ...ok, note: 'x'.repeat(40_000) },
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'batch over 500 KB',
    url: BATCH,
    body: {
      batch: Array.from({ length: 600 }, () => ({
        event: 'SignUp',
        email: 'a@b.co',
        properties: { pad: 'x'.repeat(1000) },
      })),
    },
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'properties nested 20 deep',
    url: CAP,
    body: { event: 'SignUp', email: 'a@b.co', properties: deep(20) },
    status: 422,
    code: 'validation_failed',
    field: 'properties',
  },
  // bad timestamps
  {
    name: 'event_time text',
    url: C,
    body: { ...ok, event_time: 'yesterday' },
    status: 422,
    code: 'validation_failed',
    field: 'event_time',
  },
  {
    name: 'event_time negative',
    url: C,
    body: { ...ok, event_time: -5 },
    status: 422,
    code: 'validation_failed',
    field: 'event_time',
  },
  {
    name: 'event_time far future',
    url: C,
    body: { ...ok, event_time: 4102444800 },
    status: 422,
    code: 'validation_failed',
    field: 'event_time',
  },
  {
    name: 'capture timestamp invalid date',
    url: CAP,
    body: { event: 'SignUp', email: 'a@b.co', timestamp: '2026-13-45T99:00:00Z' },
    status: 422,
    code: 'validation_failed',
    field: 'timestamp',
  },
  // negative / NaN amounts, invalid currency
  {
    name: 'negative amount',
    url: C,
    body: { ...ok, amount: -1 },
    status: 422,
    code: 'validation_failed',
    field: 'amount',
  },
  {
    name: 'NaN amount string',
    url: C,
    body: { ...ok, amount: 'NaN' },
    status: 422,
    code: 'validation_failed',
    field: 'amount',
  },
  {
    name: 'amount 1e300',
    url: C,
    body: { ...ok, amount: 1e300 },
    status: 422,
    code: 'validation_failed',
    field: 'amount',
  },
  {
    name: 'capture negative value',
    url: CAP,
    body: { event: 'Purchase', email: 'a@b.co', value: -10 },
    status: 422,
    code: 'validation_failed',
    field: 'value',
  },
  {
    name: 'invalid currency',
    url: CAP,
    body: { event: 'Purchase', email: 'a@b.co', value: 10, currency: 'XXQ' },
    status: 422,
    code: 'validation_failed',
    field: 'currency',
  },
  {
    name: 'conversion invalid currency',
    url: CONV,
    body: { event: 'sale', email: 'a@b.co', amount: 10, currency: 'dollars' },
    status: 422,
    code: 'validation_failed',
    field: 'currency',
  },
  // unicode edge cases
  {
    name: 'NUL in event name',
    url: CAP,
    body: { event: 'Sign\u0000Up', email: 'a@b.co' },
    status: 422,
    code: 'validation_failed',
    field: 'event',
  },
  {
    name: 'NUL in email',
    url: C,
    body: { ...ok, email: 'a\u0000@example.com' },
    status: 422,
    code: 'validation_failed',
    field: 'email',
  },
  {
    name: 'emoji event name',
    url: CAP,
    body: { event: '🎉💥', email: 'a@b.co' },
    status: 422,
    code: 'unknown_event',
    field: 'event',
  },
  {
    name: 'RTL override in idempotency key',
    url: C,
    body: { ...ok, idempotency_key: 'key\u0007bell' },
    status: 422,
    code: 'validation_failed',
    field: 'idempotency_key',
  },
];

describe.each(BACKENDS)('%s backend: bad input', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend);
  });
  afterAll(async () => t?.close());

  const countEvents = async () =>
    Number(
      (
        await t.ctx.storage.db
          .selectFrom('events')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('workspace_id', '=', t.ws.workspace.id)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it(`has at least 40 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('$name -> $status $code', async (c) => {
    const before = await countEvents();
    const token = c.token === 'none' ? {} : bearer(c.token === 'read' ? t.ws.read : t.ws.ingest);
    const res = await t.app.inject({
      method: 'POST',
      url: c.url,
      headers: { 'content-type': 'application/json', ...token, ...(c.headers ?? {}) },
      payload: typeof c.body === 'string' ? c.body : JSON.stringify(c.body),
    });
    expect(res.statusCode).toBe(c.status);
    const error = res.json().error;
    expect(error.code).toBe(c.code);
    expect(typeof error.message).toBe('string');
    if (c.field !== undefined) {
      expect(error.field).toBe(c.field);
      expect(error.message).toContain(c.field.split('.').pop());
    }
    expect(await countEvents()).toBe(before);
  });

  it('a gzip body that is not JSON is a 400 and stores nothing', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...bearer(t.ws.ingest) },
      payload: gzipSync('not json at all'),
    });
    expect(res.statusCode).toBe(400);
    expect(await countEvents()).toBe(0);
  });

  it('property: random payloads at every endpoint never produce a 5xx', async () => {
    const urls = [
      C,
      '/public-api/v1/events/track',
      CAP,
      BATCH,
      SEG,
      '/v1/batch',
      '/v1/identify',
      '/v1/page',
      CONV,
      '/track/lead',
      '/track/sale',
    ];
    const value = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(
        'lead_generated',
        'purchase',
        'SignUp',
        'Order Completed',
        'lead',
        'sale',
        'track',
        'a@b.co',
        '1.2.3.4',
        'USD',
      ),
    );
    const known = fc.constantFrom(
      'event_name',
      'email',
      'ip',
      'fingerprint',
      'comet_token',
      'amount',
      'event_time',
      'phone',
      'event',
      'eventId',
      'timestamp',
      'value',
      'currency',
      'properties',
      'userId',
      'anonymousId',
      'type',
      'messageId',
      'context',
      'batch',
      'clickId',
      'customerExternalId',
      'invoiceId',
      'eventName',
      'idempotency_key',
      'user_agent',
      'clickIds',
    );
    const object = fc.dictionary(
      fc.oneof(known, fc.string()),
      fc.oneof(value, fc.array(value), fc.dictionary(known, value)),
    );
    const payload = fc.oneof(
      object.map((o) => JSON.stringify(o)),
      fc.array(object, { maxLength: 5 }).map((batch) => JSON.stringify({ batch })),
      fc.string().map((s) => s),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...urls), payload, async (url, body) => {
        const res = await t.app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/json', ...bearer(t.ws.ingest) },
          payload: body,
        });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});
