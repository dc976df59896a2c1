import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { BACKENDS, bearer, createTestApp, createTestWorkspace, type TestApp } from './support/backends.js';

async function createLink(t: TestApp, payload: Record<string, unknown>, token = t.ws.admin) {
  return t.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(token), payload });
}

describe.each(BACKENDS)('%s backend: tracked links', (backend) => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('redirects with tp_click_id, records the click, and hands it to the person who converts with it', async () => {
    t = await createTestApp(backend);
    const created = await createLink(t, {
      url: 'https://shop.example.com/offer?ref=newsletter',
      slug: 'spring',
      utm: { source: 'partner_blog', medium: 'affiliate', campaign: 'spring_links' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ slug: 'spring', shortUrl: expect.stringMatching(/\/l\/spring$/) });

    const click = await t.app.inject({ url: '/l/spring', headers: { referer: 'https://blog.partner.example/post' } });
    expect(click.statusCode).toBe(302);
    const location = new URL(String(click.headers.location));
    expect(location.origin + location.pathname).toBe('https://shop.example.com/offer');
    expect(location.searchParams.get('ref')).toBe('newsletter');
    expect(location.searchParams.get('utm_campaign')).toBe('spring_links');
    const clickId = location.searchParams.get('tp_click_id');
    expect(clickId).toMatch(/^clk_/);

    const touch = await t.ctx.storage.db.selectFrom('touchpoints').selectAll().executeTakeFirstOrThrow();
    expect(touch).toMatchObject({
      kind: 'click',
      click_id_type: 'tp_click_id',
      click_id: clickId,
      channel: 'affiliate',
      utm_source: 'partner_blog',
      person_id: null,
    });
    const clicks = await t.ctx.storage.db.selectFrom('link_clicks').selectAll().execute();
    expect(clicks).toMatchObject([{ click_id: clickId, referrer: 'https://blog.partner.example/post' }]);

    // The lead/sale seed: a lead carrying the clickId attributes to that click.
    const lead = await t.app.inject({
      method: 'POST',
      url: '/api/v1/conversions',
      headers: bearer(t.ws.ingest),
      payload: { event: 'lead', clickId, email: 'lina@example.com', customerExternalId: 'cus_lina' },
    });
    expect(lead.statusCode, lead.body).toBeLessThan(300);
    const [person] = (
      (await t.app.inject({ url: '/api/v1/people?email=lina@example.com', headers: bearer(t.ws.read) })).json() as {
        data: Array<{ id: string }>;
      }
    ).data;
    const journey = (
      await t.app.inject({ url: `/api/v1/people/${person?.id}/journey`, headers: bearer(t.ws.read) })
    ).json() as { touchpoints: Array<{ clickId: string; clickIdType: string }> };
    expect(journey.touchpoints).toMatchObject([{ clickIdType: 'tp_click_id', clickId }]);
    expect(await t.ctx.storage.db.selectFrom('touchpoints').select('touchpoint_id').execute()).toHaveLength(1);

    // A link-preview bot is redirected but not counted.
    const preview = await t.app.inject({ url: '/l/spring', headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } });
    expect(preview.statusCode).toBe(302);
    const list = await t.app.inject({ url: '/api/v1/links', headers: bearer(t.ws.read) });
    expect(list.json()).toMatchObject({ data: [{ slug: 'spring', clicks: 1 }] });
  });

  it('validates links, keeps slugs unique and workspaces apart', async () => {
    t = await createTestApp(backend);
    expect((await createLink(t, { url: 'https://a.example/', slug: 'taken' })).statusCode).toBe(201);
    const dup = await createLink(t, { url: 'https://b.example/', slug: 'taken' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ error: { code: 'conflict', field: 'slug' } });
    expect((await createLink(t, { url: 'javascript:alert(1)' })).json()).toMatchObject({
      error: { code: 'validation_failed', field: 'url' },
    });
    expect((await createLink(t, { url: 'https://a.example/', slug: 'a b' })).statusCode).toBe(422);
    expect((await createLink(t, { url: 'https://a.example/' }, t.ws.read)).statusCode).toBe(403);
    const random = await createLink(t, { url: 'https://a.example/' });
    expect((random.json() as { slug: string }).slug).toMatch(/^[\w-]{8}$/);
    expect((await t.app.inject({ url: '/l/nope' })).statusCode).toBe(404);

    const other = await createTestWorkspace(t.ctx, { name: 'Other' });
    const otherList = await t.app.inject({ url: '/api/v1/links', headers: bearer(other.read) });
    expect(otherList.json()).toEqual({ data: [] });
  });

  it('creates and lists links from the CLI', async () => {
    t = await createTestApp(backend);
    const out: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => out.push(`ERR ${line}`) };
    const workspace = t.ws.workspace.id;
    const flags = t.database.flags;
    const code = await main(
      [
        'link',
        'create',
        ...flags,
        '--workspace',
        workspace,
        '--url',
        'https://x.example/',
        '--slug',
        'cli-link',
        '--utm-source',
        'cli',
        '--json',
      ],
      io,
      {},
    );
    expect(code, out.join('\n')).toBe(0);
    expect(JSON.parse(out[0] ?? '{}')).toMatchObject({ slug: 'cli-link', utm: { source: 'cli' } });
    const click = await t.app.inject({ url: '/l/cli-link' });
    expect(click.statusCode).toBe(302);
    out.length = 0;
    expect(await main(['link', 'list', ...flags, '--workspace', workspace, '--json'], io, {})).toBe(0);
    expect(JSON.parse(out[0] ?? '{}')).toMatchObject({ links: [{ slug: 'cli-link', clicks: 1 }] });
    out.length = 0;
    expect(await main(['link', 'create', ...flags, '--workspace', workspace], io, {})).toBe(2);
    expect(out[0]).toMatch(/--url is required/);
  });
});
