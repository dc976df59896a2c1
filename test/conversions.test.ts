import { Dub } from 'dub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, bearer, createTestApp, type TestApp } from './support/backends.js';

describe.each(BACKENDS)('%s backend: lead and sale conversions', (backend) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp(backend);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => t?.close());

  const post = (body: unknown) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/conversions',
      headers: { 'content-type': 'application/json', ...bearer(t.ws.ingest) },
      payload: JSON.stringify(body),
    });
  const event = async (id: string) =>
    (await t.app.inject({ method: 'GET', url: `/api/v1/events/${id}`, headers: bearer(t.ws.read) })).json();

  it("accepts the seed's lead and sale payloads; sale dedups by invoiceId, lead by customer + event", async () => {
    const lead = {
      event: 'lead',
      timestamp: '2026-04-10T12:34:56.000Z',
      clickId: 'clickid_123',
      customerExternalId: 'user_123',
      email: 'user@gmail.com',
      name: 'user',
      mode: 'deferred',
    };
    const sale = {
      event: 'sale',
      timestamp: '2026-04-10T12:45:10.000Z',
      clickId: 'clk_abc123',
      customerExternalId: 'user_123',
      email: 'alex@example.com',
      currency: 'USD',
      amount: 199.0,
      invoiceId: 'inv_987',
    };
    const l1 = await post(lead);
    expect(l1.statusCode).toBe(202);
    const l2 = await post({ ...lead, timestamp: '2026-04-11T00:00:00Z' });
    expect(l2.statusCode).toBe(200);
    expect(l2.json()).toMatchObject({ status: 'duplicate', id: l1.json().id });
    const s1 = await post(sale);
    expect(s1.statusCode).toBe(202);
    const s2 = await post(sale);
    expect(s2.json()).toMatchObject({ status: 'duplicate', id: s1.json().id });
    const other = await post({ ...sale, invoiceId: 'inv_988' });
    expect(other.statusCode).toBe(202);

    const storedLead = await event(l1.json().id);
    expect(storedLead).toMatchObject({ name: 'LeadCaptured', originalName: 'lead', source: 'conversions' });
    expect(storedLead.clickIds).toEqual({ tp_click_id: 'clickid_123' });
    expect(storedLead.properties.mode).toBe('deferred');
    const storedSale = await event(s1.json().id);
    expect(storedSale).toMatchObject({ name: 'Purchase', value: 199, currency: 'USD', dedupKey: 'invoice:inv_987' });
  });

  it('requires a stable identifier', async () => {
    const res = await post({ event: 'lead' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'missing_identity', field: 'customerExternalId' });
  });

  it('the real dub SDK tracks a lead and a sale against /track/lead and /track/sale', async () => {
    const dub = new Dub({ token: t.ws.ingest.token, serverURL: base });
    const lead = await dub.track.lead({
      clickId: 'dub-click-1',
      eventName: 'Sign Up',
      customerExternalId: 'dub-cust-1',
      customerEmail: 'Dub@Example.com',
      customerName: 'Dub User',
    });
    expect(lead.click.id).toBe('dub-click-1');
    expect(lead.customer.externalId).toBe('dub-cust-1');
    const sale = await dub.track.sale({
      customerExternalId: 'dub-cust-1',
      amount: 4500,
      currency: 'usd',
      invoiceId: 'dub-inv-1',
      paymentProcessor: 'stripe',
    });
    expect(sale.sale).toMatchObject({
      amount: 4500,
      currency: 'usd',
      invoiceId: 'dub-inv-1',
      paymentProcessor: 'stripe',
    });
    const again = await dub.track.sale({ customerExternalId: 'dub-cust-1', amount: 4500, invoiceId: 'dub-inv-1' });
    expect(again.sale?.invoiceId).toBe('dub-inv-1');

    const rows = await t.ctx.storage.db
      .selectFrom('events')
      .selectAll()
      .where('workspace_id', '=', t.ws.workspace.id)
      .where('source', '=', 'dub')
      .orderBy('event_id')
      .execute();
    expect(rows.map((r) => r.name)).toEqual(['LeadCaptured', 'Purchase']);
    expect(Number(rows[1]?.value_minor)).toBe(4500);
    expect(rows[1]?.dedup_key).toBe('invoice:dub-inv-1');
    expect(JSON.parse(rows[0]?.user_data ?? '{}')).toMatchObject({
      email: 'dub@example.com',
      externalId: 'dub-cust-1',
    });
  });
});
