import { describe, expect, it } from 'vitest';
import { type ChannelInput, classifyChannel } from './channels.js';

const cases: Array<
  [string, ChannelInput, { kind: string; channel: string; platform: string; clickIdType: string | null }]
> = [
  [
    'fbclid',
    { clickIds: { fbclid: 'IwAR1' }, utm: {} },
    { kind: 'click', channel: 'paid_social', platform: 'meta', clickIdType: 'fbclid' },
  ],
  [
    'gclid',
    { clickIds: { gclid: 'Cj0' }, utm: {} },
    { kind: 'click', channel: 'paid_search', platform: 'google', clickIdType: 'gclid' },
  ],
  [
    'gbraid',
    { clickIds: { gbraid: 'g1' }, utm: {} },
    { kind: 'click', channel: 'paid_search', platform: 'google', clickIdType: 'gbraid' },
  ],
  [
    'wbraid',
    { clickIds: { wbraid: 'w1' }, utm: {} },
    { kind: 'click', channel: 'paid_search', platform: 'google', clickIdType: 'wbraid' },
  ],
  [
    'gclid display',
    { clickIds: { gclid: 'x' }, utm: { source: 'google', medium: 'display' } },
    { kind: 'click', channel: 'display', platform: 'google', clickIdType: 'gclid' },
  ],
  [
    'msclkid',
    { clickIds: { msclkid: 'm' }, utm: {} },
    { kind: 'click', channel: 'paid_search', platform: 'microsoft', clickIdType: 'msclkid' },
  ],
  [
    'ttclid',
    { clickIds: { ttclid: 't' }, utm: {} },
    { kind: 'click', channel: 'paid_social', platform: 'tiktok', clickIdType: 'ttclid' },
  ],
  [
    'li_fat_id',
    { clickIds: { li_fat_id: 'l' }, utm: {} },
    { kind: 'click', channel: 'paid_social', platform: 'linkedin', clickIdType: 'li_fat_id' },
  ],
  [
    'tracked link',
    { clickIds: { tp_click_id: 'c' }, utm: {} },
    { kind: 'click', channel: 'affiliate', platform: 'other', clickIdType: 'tp_click_id' },
  ],
  [
    'tracked link with utm',
    { clickIds: { tp_click_id: 'c' }, utm: { source: 'newsletter', medium: 'email' } },
    { kind: 'click', channel: 'email', platform: 'other', clickIdType: 'tp_click_id' },
  ],
  [
    'click id in landing url',
    { clickIds: {}, utm: {}, landingUrl: 'https://shop.test/?fbclid=abc' },
    { kind: 'click', channel: 'paid_social', platform: 'meta', clickIdType: 'fbclid' },
  ],
  [
    'utm cpc google',
    { clickIds: {}, utm: { source: 'google', medium: 'cpc' } },
    { kind: 'visit', channel: 'paid_search', platform: 'google', clickIdType: null },
  ],
  [
    'utm cpc bing',
    { clickIds: {}, utm: { source: 'bing', medium: 'cpc' } },
    { kind: 'visit', channel: 'paid_search', platform: 'microsoft', clickIdType: null },
  ],
  [
    'utm paid facebook',
    { clickIds: {}, utm: { source: 'facebook', medium: 'paid' } },
    { kind: 'visit', channel: 'paid_social', platform: 'meta', clickIdType: null },
  ],
  [
    'utm paid_social tiktok',
    { clickIds: {}, utm: { source: 'tiktok', medium: 'paid_social' } },
    { kind: 'visit', channel: 'paid_social', platform: 'tiktok', clickIdType: null },
  ],
  [
    'utm cpc linkedin',
    { clickIds: {}, utm: { source: 'linkedin', medium: 'cpc' } },
    { kind: 'visit', channel: 'paid_social', platform: 'linkedin', clickIdType: null },
  ],
  [
    'utm display',
    { clickIds: {}, utm: { source: 'dv360', medium: 'display' } },
    { kind: 'visit', channel: 'display', platform: 'google', clickIdType: null },
  ],
  [
    'utm email',
    { clickIds: {}, utm: { source: 'klaviyo', medium: 'email' } },
    { kind: 'visit', channel: 'email', platform: 'other', clickIdType: null },
  ],
  [
    'utm affiliate',
    { clickIds: {}, utm: { source: 'partnerx', medium: 'affiliate' } },
    { kind: 'visit', channel: 'affiliate', platform: 'other', clickIdType: null },
  ],
  [
    'utm social organic',
    { clickIds: {}, utm: { source: 'instagram', medium: 'social' } },
    { kind: 'visit', channel: 'social', platform: 'meta', clickIdType: null },
  ],
  [
    'utm organic google',
    { clickIds: {}, utm: { source: 'google', medium: 'organic' } },
    { kind: 'visit', channel: 'organic_search', platform: 'google', clickIdType: null },
  ],
  [
    'utm referral',
    { clickIds: {}, utm: { source: 'blog.example', medium: 'referral' } },
    { kind: 'visit', channel: 'referral', platform: 'other', clickIdType: null },
  ],
  [
    'utm landing url',
    { clickIds: {}, utm: {}, landingUrl: 'https://a.test/?utm_source=google&utm_medium=cpc' },
    { kind: 'visit', channel: 'paid_search', platform: 'google', clickIdType: null },
  ],
  [
    'referrer google',
    { clickIds: {}, utm: {}, referrer: 'https://www.google.co.uk/' },
    { kind: 'visit', channel: 'organic_search', platform: 'google', clickIdType: null },
  ],
  [
    'referrer bing',
    { clickIds: {}, utm: {}, referrer: 'https://www.bing.com/search?q=x' },
    { kind: 'visit', channel: 'organic_search', platform: 'microsoft', clickIdType: null },
  ],
  [
    'referrer duckduckgo',
    { clickIds: {}, utm: {}, referrer: 'https://duckduckgo.com/' },
    { kind: 'visit', channel: 'organic_search', platform: 'other', clickIdType: null },
  ],
  [
    'referrer facebook',
    { clickIds: {}, utm: {}, referrer: 'https://l.facebook.com/l.php' },
    { kind: 'visit', channel: 'social', platform: 'meta', clickIdType: null },
  ],
  [
    'referrer t.co',
    { clickIds: {}, utm: {}, referrer: 'https://t.co/abc' },
    { kind: 'visit', channel: 'social', platform: 'other', clickIdType: null },
  ],
  [
    'referrer linkedin',
    { clickIds: {}, utm: {}, referrer: 'https://www.linkedin.com/feed' },
    { kind: 'visit', channel: 'social', platform: 'linkedin', clickIdType: null },
  ],
  [
    'referrer gmail',
    { clickIds: {}, utm: {}, referrer: 'https://mail.google.com/' },
    { kind: 'visit', channel: 'email', platform: 'other', clickIdType: null },
  ],
  [
    'referrer blog',
    { clickIds: {}, utm: {}, referrer: 'https://someblog.example/post' },
    { kind: 'visit', channel: 'referral', platform: 'other', clickIdType: null },
  ],
  [
    'same-site referrer',
    { clickIds: {}, utm: {}, referrer: 'https://shop.test/a', landingUrl: 'https://shop.test/b' },
    { kind: 'visit', channel: 'direct', platform: 'other', clickIdType: null },
  ],
  ['nothing', { clickIds: {}, utm: {} }, { kind: 'visit', channel: 'direct', platform: 'other', clickIdType: null }],
  [
    'bad referrer',
    { clickIds: {}, utm: {}, referrer: 'not a url' },
    { kind: 'visit', channel: 'direct', platform: 'other', clickIdType: null },
  ],
];

describe('classifyChannel', () => {
  it.each(cases)('%s', (_name, input, expected) => {
    const result = classifyChannel(input);
    expect({
      kind: result.kind,
      channel: result.channel,
      platform: result.platform,
      clickIdType: result.clickIdType,
    }).toEqual(expected);
  });

  it('extracts campaign, ad set and ad from UTMs and platform parameters', () => {
    const result = classifyChannel({
      clickIds: {},
      utm: {},
      landingUrl:
        'https://shop.test/?fbclid=F1&utm_source=facebook&utm_medium=paid&utm_campaign=Spring&utm_id=c1&utm_content=Video%20A&utm_term=Lookalike&adset_id=s1&ad_id=a1',
    });
    expect(result).toEqual({
      kind: 'click',
      channel: 'paid_social',
      platform: 'meta',
      clickIdType: 'fbclid',
      clickId: 'F1',
      campaignId: 'c1',
      campaignName: 'Spring',
      adsetId: 's1',
      adsetName: 'Lookalike',
      adId: 'a1',
      adName: 'Video A',
    });
  });

  it('reads Google ValueTrack parameters', () => {
    const result = classifyChannel({
      clickIds: { gclid: 'G' },
      utm: { campaign: 'Brand' },
      landingUrl: 'https://shop.test/?campaignid=111&adgroupid=222&creative=333',
    });
    expect([result.campaignId, result.campaignName, result.adsetId, result.adId]).toEqual([
      '111',
      'Brand',
      '222',
      '333',
    ]);
    expect(result.clickId).toBe('G');
  });
});
