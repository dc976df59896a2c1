import { afterEach, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../delivery/stand-in.js';
import { createHttpClient, parseRetryAfter } from './client.js';

describe('outbound HTTP client', () => {
  let standIn: StandIn | undefined;
  afterEach(async () => standIn?.close());

  it('returns statuses, bodies and headers as values', async () => {
    standIn = await startStandIn();
    standIn.script.push({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const http = createHttpClient();
    const first = await http.send({
      method: 'POST',
      url: `${standIn.url}/x`,
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(first).toMatchObject({ kind: 'response', status: 429, headers: { 'retry-after': '7' } });
    const second = await http.send({ method: 'GET', url: `${standIn.url}/y` });
    expect(second).toMatchObject({ kind: 'response', status: 200 });
    expect(standIn.requests[0]?.body).toEqual({ a: 1 });
  });

  it('turns timeouts, resets and refused connections into transport errors', async () => {
    standIn = await startStandIn();
    standIn.script.push({ kind: 'hang' }, { kind: 'reset' });
    const http = createHttpClient();
    expect(await http.send({ method: 'GET', url: standIn.url, timeoutMs: 200 })).toMatchObject({
      kind: 'transport_error',
      error: 'timeout',
    });
    const reset = await http.send({ method: 'GET', url: standIn.url });
    expect(reset.kind).toBe('transport_error');
    const closed = await startStandIn();
    await closed.close();
    expect(await http.send({ method: 'GET', url: closed.url })).toMatchObject({
      kind: 'transport_error',
      error: 'connection_refused',
    });
  });

  it('parses Retry-After seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});
