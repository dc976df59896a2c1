import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pixelSnippet } from '../../src/pixel/snippet.js';
import { BACKENDS, bearer, createTestApp, type TestApp } from '../support/backends.js';

/** Debian's Chromium (`.ci/run` installs it). Never downloaded: a missing browser fails the test. */
const CHROMIUM = process.env.TOUCHPOINT_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function page(title: string, body: string, head: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<script>window.dataLayer = [];</script>
${head}
</head><body>${body}</body></html>`;
}

const SHOP_BODY = `
<h1>Shop</h1>
<button id="to-pricing" onclick="history.pushState({}, '', '/pricing'); document.title = 'Pricing'">Pricing</button>
<button id="same-url" onclick="history.replaceState({}, '', location.pathname + location.search)">Stay</button>
<a id="other-domain" href="{{OTHER}}/">Our other site</a>
<form id="signup" action="/thanks" method="get">
  <input type="email" name="email" id="email">
  <input type="text" name="first_name" id="first">
  <input type="password" name="password" id="password">
  <input type="hidden" name="secret_token" value="hidden-value-123">
  <input type="text" name="card_number" id="card">
  <button type="submit" id="submit">Sign up</button>
</form>`;

/** The customer's site: a tiny static server on 127.0.0.1 with the snippet in every page's head. */
async function startSite(snippet: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const port = (server.address() as AddressInfo).port;
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (path === '/thanks') res.end(page('Thanks', '<h1>Thanks</h1>', snippet));
    // The same site also answers as `localhost`: a second domain of the workspace (its own cookie jar).
    else res.end(page('Shop', SHOP_BODY.replace('{{OTHER}}', `http://localhost:${port}`), snippet));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Row {
  event_id: string;
  name: string;
  person_id: string | null;
  user_data: string;
  context: string;
  properties: string;
}

async function eventsOf(t: TestApp, visitorId: string): Promise<Row[]> {
  const rows = await t.ctx.storage.db
    .selectFrom('events')
    .select(['event_id', 'name', 'person_id', 'user_data', 'context', 'properties', 'occurred_at'])
    .where('workspace_id', '=', t.ws.workspace.id)
    .orderBy('occurred_at')
    .orderBy('event_id')
    .execute();
  return rows.filter((r) => (JSON.parse(r.user_data) as { visitorId?: string }).visitorId === visitorId);
}

async function waitForEvents(t: TestApp, visitorId: string, name: string, count: number): Promise<Row[]> {
  return until(`${count} ${name} events`, async () => {
    const rows = (await eventsOf(t, visitorId)).filter((r) => r.name === name);
    return rows.length >= count ? rows : undefined;
  });
}

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium)`);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
});

describe.each(BACKENDS)('%s backend: pixel in Chromium', { timeout: 120_000 }, (backend) => {
  let t: TestApp;
  let site: { url: string; server: Server };
  const contexts: BrowserContext[] = [];

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await new Promise((resolve) => site?.server.close(resolve));
    await t?.close();
  });

  it('ties a server-side purchase with only an email to the Facebook click, across two devices', async () => {
    t = await createTestApp(backend);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const tpUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/workspace',
      headers: bearer(t.ws.admin),
      payload: { allowedDomains: ['127.0.0.1'] },
    });
    expect(patched.statusCode).toBe(200);
    const snippet = `${pixelSnippet(tpUrl, t.ws.workspace.pixelId)}
<script>touchpoint('track', 'ContentView', { eventId: 'queued-before-load' });</script>`;
    site = await startSite(snippet);

    // Device 1 lands from a Facebook ad.
    const laptop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(laptop);
    const tab = await laptop.newPage();
    await tab.goto(
      `${site.url}/?fbclid=IwAR_e2eClick&utm_source=facebook&utm_medium=paid_social&utm_campaign=e2e_spring`,
    );
    await tab.waitForFunction(() => typeof (window as { cometToken?: unknown }).cometToken === 'function');
    const token = await tab.evaluate(() =>
      (window as unknown as { touchpoint: { token(): string } }).touchpoint.token(),
    );
    const fingerprint = await tab.evaluate(() =>
      (window as unknown as { touchpoint: { fingerprint(): Promise<string> } }).touchpoint.fingerprint(),
    );
    expect(token).toMatch(/^tpv_[0-9a-f]{32}$/);
    expect(fingerprint).toMatch(/^[0-9a-f]{28}$/);
    const cookies = Object.fromEntries((await laptop.cookies()).map((c) => [c.name, c]));
    expect(cookies._tp_vid?.value).toBe(token);
    expect(cookies._tp_vid?.sameSite).toBe('Lax');
    // Asked for 2 years; Chromium caps cookie lifetimes at 400 days (the pixel renews it on every visit).
    expect((cookies._tp_vid?.expires ?? 0) * 1000 - Date.now()).toBeGreaterThan(390 * 24 * 3600_000);
    expect(cookies._fbc?.value).toMatch(/^fb\.1\.\d{13}\.IwAR_e2eClick$/);
    expect(cookies._fbp?.value).toMatch(/^fb\.1\.\d{13}\.\d{10}$/);
    // The tag-manager data layer receives the token and the fingerprint.
    const layer = await tab.evaluate(
      () => (window as unknown as { dataLayer: Array<Record<string, unknown>> }).dataLayer,
    );
    expect(layer).toContainEqual({
      event: 'touchpoint.ready',
      touchpointToken: token,
      touchpointFingerprint: fingerprint,
    });

    // Client-side navigation: one view per new URL, none for replaceState to the same URL.
    await waitForEvents(t, token, 'PageView', 1);
    await tab.click('#to-pricing');
    await waitForEvents(t, token, 'PageView', 2);
    await tab.click('#same-url');
    await tab.goBack(); // popstate
    const landingUrl = `${site.url}/?fbclid=IwAR_e2eClick&utm_source=facebook&utm_medium=paid_social&utm_campaign=e2e_spring`;
    const views = await waitForEvents(t, token, 'PageView', 3);
    expect(views.map((v) => (JSON.parse(v.context) as { pageUrl: string }).pageUrl)).toEqual([
      landingUrl,
      `${site.url}/pricing`,
      landingUrl,
    ]);
    // The call queued before the script loaded was sent too.
    await waitForEvents(t, token, 'ContentView', 1);

    // The form submit captures email and first name, never the password, hidden or card fields.
    await tab.fill('#email', 'Pat.Buyer@Example.com');
    await tab.fill('#first', 'Pat');
    await tab.fill('#password', 'hunter2-password');
    await tab.fill('#card', '4242424242424242');
    await tab.click('#submit');
    const [lead] = await waitForEvents(t, token, 'LeadCaptured', 1);
    const leadData = JSON.parse(lead?.user_data ?? '{}') as Record<string, string>;
    expect(leadData).toMatchObject({ email: 'pat.buyer@example.com', firstName: 'Pat', visitorId: token, fingerprint });
    // The thanks page URL carries the GET form's fields: sensitive values are removed before sending.
    const [, , , thanks] = await waitForEvents(t, token, 'PageView', 4);
    expect((JSON.parse(thanks?.context ?? '{}') as { pageUrl: string }).pageUrl).toContain('/thanks?');
    const everything = JSON.stringify(await eventsOf(t, token));
    for (const secret of ['hunter2-password', 'hidden-value-123', '4242424242424242', 'Pat.Buyer%40Example.com']) {
      expect(everything.includes(secret)).toBe(false);
    }

    // A browser Purchase and the server's purchase with the same id are one conversion.
    await tab.evaluate(() =>
      (window as unknown as { touchpoint: (...args: unknown[]) => void }).touchpoint('track', 'Purchase', {
        eventId: 'order-e2e-2',
        value: 20,
        currency: 'USD',
      }),
    );
    await until('the browser purchase', async () =>
      t.ctx.storage.db
        .selectFrom('events')
        .select('event_id')
        .where('dedup_key', '=', 'order-e2e-2')
        .executeTakeFirst(),
    );
    const serverCopy = await t.app.inject({
      method: 'POST',
      url: '/public-api/v1/events',
      headers: bearer(t.ws.ingest),
      payload: { event_name: 'purchase', email: 'pat.buyer@example.com', amount: 20, idempotency_key: 'order-e2e-2' },
    });
    expect(serverCopy.json()).toMatchObject({ status: 'duplicate' });

    // A server-side purchase carrying only the email.
    const purchase = await t.app.inject({
      method: 'POST',
      url: '/public-api/v1/events',
      headers: bearer(t.ws.ingest),
      payload: { event_name: 'purchase', email: 'pat.buyer@example.com', amount: 149, idempotency_key: 'order-e2e-1' },
    });
    expect(purchase.statusCode, purchase.body).toBe(202);
    const purchaseId = (purchase.json() as { id: string }).id;
    const person = lead?.person_id;
    expect(person).toBeTruthy();
    const event = await t.app.inject({ url: `/api/v1/events/${purchaseId}`, headers: bearer(t.ws.read) });
    expect(event.json()).toMatchObject({ personId: person });

    const journey = (
      await t.app.inject({ url: `/api/v1/people/${person}/journey`, headers: bearer(t.ws.read) })
    ).json() as {
      touchpoints: Array<{
        platform: string;
        channel: string;
        clickIdType: string;
        clickId: string;
        campaign: { name: string };
      }>;
      timeline: Array<{ type: string }>;
      events: Array<{ name: string }>;
      revenue: Array<{ valueMinor: number }>;
    };
    expect(journey.touchpoints[0]).toMatchObject({
      platform: 'meta',
      channel: 'paid_social',
      clickIdType: 'fbclid',
      clickId: 'IwAR_e2eClick',
      campaign: { name: 'e2e_spring' },
    });
    expect(journey.touchpoints).toHaveLength(1);
    expect(journey.timeline[0]?.type).toBe('touchpoint');
    expect(journey.events.map((e) => e.name)).toEqual(['ContentView', 'LeadCaptured', 'Purchase', 'Purchase']);
    expect(journey.revenue[0]?.valueMinor).toBe(16900);

    // A returning visit keeps the token and the fingerprint.
    await tab.goto(`${site.url}/`);
    await tab.waitForFunction(() => typeof (window as { cometToken?: unknown }).cometToken === 'function');
    expect(await tab.evaluate(() => (window as unknown as { cometToken(): string }).cometToken())).toBe(token);
    expect(
      await tab.evaluate(() => (window as unknown as { cometFingerprint(): Promise<string> }).cometFingerprint()),
    ).toBe(fingerprint);
    const returning = await waitForEvents(t, token, 'PageView', 5);
    expect(JSON.parse(returning[4]?.properties ?? '{}')).toMatchObject({ returningVisitor: true });

    // Device 2 (another browser profile and screen) submits the same email: same person.
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      screen: { width: 390, height: 844 },
      deviceScaleFactor: 3,
      locale: 'de-DE',
      timezoneId: 'Europe/Berlin',
      userAgent: 'Mozilla/5.0 (Linux; Android 14) Touchpoint-E2E Mobile',
    });
    contexts.push(phone);
    const mobile = await phone.newPage();
    await mobile.goto(`${site.url}/`);
    await mobile.waitForFunction(() => typeof (window as { cometToken?: unknown }).cometToken === 'function');
    const token2 = await mobile.evaluate(() => (window as unknown as { cometToken(): string }).cometToken());
    const fingerprint2 = await mobile.evaluate(() =>
      (window as unknown as { cometFingerprint(): Promise<string> }).cometFingerprint(),
    );
    expect(token2).not.toBe(token);
    expect(fingerprint2).not.toBe(fingerprint);
    const [firstView] = await waitForEvents(t, token2, 'PageView', 1);
    const anonymous = firstView?.person_id;
    expect(anonymous).toBeTruthy();
    expect(anonymous).not.toBe(person);

    await mobile.fill('#email', 'pat.buyer@example.com');
    await mobile.click('#submit');
    await waitForEvents(t, token2, 'LeadCaptured', 1);
    const found = (
      await t.app.inject({ url: `/api/v1/people?visitorId=${token2}`, headers: bearer(t.ws.read) })
    ).json() as {
      data: Array<{ id: string; mergedFrom: string[]; identifiers: Array<{ kind: string; value: string }> }>;
    };
    expect(found.data).toHaveLength(1);
    expect(found.data[0]?.id).toBe(person);
    expect(found.data[0]?.mergedFrom).toContain(anonymous);
    expect(
      found.data[0]?.identifiers
        .filter((i) => i.kind === 'visitor_id')
        .map((i) => i.value)
        .sort(),
    ).toEqual([token, token2].sort());
  });

  it("carries the visitor id to the workspace's other domain, and honours consent and reset", async () => {
    t = await createTestApp(backend);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const tpUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/workspace',
      headers: bearer(t.ws.admin),
      payload: { allowedDomains: ['127.0.0.1', 'localhost'] },
    });
    site = await startSite(pixelSnippet(tpUrl, t.ws.workspace.pixelId));
    const context = await browser.newContext();
    contexts.push(context);
    const tab = await context.newPage();
    const ready = () =>
      tab.waitForFunction(() => typeof (window as { cometToken?: unknown }).cometToken === 'function');
    const tokenNow = () => tab.evaluate(() => (window as unknown as { cometToken(): string }).cometToken());

    await tab.goto(`${site.url}/`);
    await ready();
    const token = await tokenNow();
    await tab.click('#other-domain');
    await tab.waitForURL(/localhost/);
    await ready();
    expect(await tokenNow()).toBe(token);
    // The hand-off parameter is removed from the address bar once adopted.
    expect(tab.url()).not.toContain('_tp_vid');
    const localhostCookies = await context.cookies('http://localhost/');
    expect(localhostCookies.find((c) => c.name === '_tp_vid')?.value).toBe(token);
    const views = await waitForEvents(t, token, 'PageView', 2);
    expect(new Set(views.map((v) => v.person_id)).size).toBe(1);

    // Without consent nothing identifying is written or sent.
    await tab.evaluate(() => {
      const tp = (window as unknown as { touchpoint: (...args: unknown[]) => void }).touchpoint;
      tp('consent', false);
      tp('track', 'ContentView', { eventId: 'e2e-no-consent' });
    });
    const jar = await context.cookies('http://localhost/');
    expect(jar.filter((c) => ['_tp_vid', '_fbp', '_fbc'].includes(c.name))).toEqual([]);
    expect(await tab.evaluate(() => localStorage.getItem('_tp_vid'))).toBeNull();
    const anonymous = await until('the consent-less event', async () =>
      t.ctx.storage.db.selectFrom('events').selectAll().where('dedup_key', '=', 'e2e-no-consent').executeTakeFirst(),
    );
    expect(anonymous.person_id).toBeNull();
    expect(anonymous.do_not_forward).toBe(1);
    expect(JSON.parse(anonymous.user_data)).toEqual({});

    // Consent again, then reset (sign-out on a shared computer): a new anonymous id.
    await tab.evaluate(() => {
      const tp = (window as unknown as { touchpoint: (...args: unknown[]) => void }).touchpoint;
      tp('consent', true);
      tp('reset');
    });
    const fresh = await tokenNow();
    expect(fresh).not.toBe(token);
    expect((await context.cookies('http://localhost/')).find((c) => c.name === '_tp_vid')?.value).toBe(fresh);
  });
});
