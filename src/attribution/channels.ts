import type { ClickIds, Utm } from '../events/stored-event.js';

/** Marketing channel of a touchpoint (stored in `touchpoints.channel`). */
export type Channel =
  | 'paid_social'
  | 'paid_search'
  | 'display'
  | 'organic_search'
  | 'social'
  | 'email'
  | 'referral'
  | 'affiliate'
  | 'direct';

/** Ad platform (or `other`) a touchpoint belongs to (stored in `touchpoints.platform`). */
export type Platform = 'meta' | 'google' | 'tiktok' | 'linkedin' | 'microsoft' | 'other';

export const CHANNELS: readonly Channel[] = [
  'paid_social',
  'paid_search',
  'display',
  'organic_search',
  'social',
  'email',
  'referral',
  'affiliate',
  'direct',
];
export const PLATFORMS: readonly Platform[] = ['meta', 'google', 'tiktok', 'linkedin', 'microsoft', 'other'];

/** Channels bought on an ad platform: the only ones "source specific" models credit. */
export const PAID_CHANNELS: ReadonlySet<string> = new Set<Channel>(['paid_social', 'paid_search', 'display']);

export interface ChannelInput {
  clickIds: ClickIds;
  utm: Utm;
  referrer?: string;
  landingUrl?: string;
}

export interface Classification {
  kind: 'click' | 'visit';
  channel: Channel;
  platform: Platform;
  clickIdType: string | null;
  clickId: string | null;
  campaignId: string | null;
  campaignName: string | null;
  adsetId: string | null;
  adsetName: string | null;
  adId: string | null;
  adName: string | null;
}

/** Click-id parameters in priority order, with the paid channel and platform they prove. */
const CLICK_ID_RULES: ReadonlyArray<{ key: keyof ClickIds; channel: Channel; platform: Platform }> = [
  { key: 'gclid', channel: 'paid_search', platform: 'google' },
  { key: 'gbraid', channel: 'paid_search', platform: 'google' },
  { key: 'wbraid', channel: 'paid_search', platform: 'google' },
  { key: 'msclkid', channel: 'paid_search', platform: 'microsoft' },
  { key: 'fbclid', channel: 'paid_social', platform: 'meta' },
  { key: 'ttclid', channel: 'paid_social', platform: 'tiktok' },
  { key: 'li_fat_id', channel: 'paid_social', platform: 'linkedin' },
  { key: 'tp_click_id', channel: 'affiliate', platform: 'other' },
];

const SEARCH_ENGINES = [
  'google',
  'bing',
  'yahoo',
  'duckduckgo',
  'baidu',
  'yandex',
  'ecosia',
  'ask',
  'naver',
  'seznam',
  'startpage',
  'brave',
];
const SOCIAL_SITES = [
  'facebook',
  'fb',
  'instagram',
  'ig',
  'meta',
  'messenger',
  'twitter',
  'x',
  't',
  'linkedin',
  'lnkd',
  'tiktok',
  'reddit',
  'youtube',
  'pinterest',
  'snapchat',
  'threads',
  'quora',
  'tumblr',
  'whatsapp',
  'telegram',
];
const EMAIL_HOSTS = ['mail.google.com', 'outlook.live.com', 'outlook.office.com', 'mail.yahoo.com', 'mail.proton.me'];

const PLATFORM_SOURCES: ReadonlyArray<{ platform: Platform; names: readonly string[] }> = [
  { platform: 'meta', names: ['facebook', 'fb', 'instagram', 'ig', 'meta', 'messenger', 'an', 'audience_network'] },
  { platform: 'google', names: ['google', 'adwords', 'youtube', 'gdn', 'dv360', 'googleads'] },
  { platform: 'tiktok', names: ['tiktok'] },
  { platform: 'linkedin', names: ['linkedin', 'lnkd'] },
  { platform: 'microsoft', names: ['bing', 'microsoft', 'msn', 'microsoftads'] },
];

const PAID_MEDIUMS = ['cpc', 'ppc', 'paid', 'paidsearch', 'paid_search', 'paid-search', 'sem', 'cpa', 'cpv', 'cpl'];
const PAID_SOCIAL_MEDIUMS = ['paid_social', 'paidsocial', 'paid-social', 'social_paid', 'social-paid', 'socialpaid'];
const DISPLAY_MEDIUMS = ['display', 'banner', 'cpm', 'programmatic', 'video', 'native', 'retargeting'];
const EMAIL_MEDIUMS = ['email', 'e-mail', 'e_mail', 'mail', 'newsletter'];
const AFFILIATE_MEDIUMS = ['affiliate', 'affiliates', 'partner', 'partners', 'influencer'];
const SOCIAL_MEDIUMS = ['social', 'social-network', 'social_network', 'social-media', 'sm', 'organic_social'];
const ORGANIC_MEDIUMS = ['organic', 'seo'];
const REFERRAL_MEDIUMS = ['referral', 'link'];

function lower(value: string | undefined | null): string {
  return (value ?? '').trim().toLowerCase();
}

function parseUrl(value: string | undefined): URL | null {
  if (!value) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** Host labels without `www.`/`m.` and the public suffix ambiguity: `l.facebook.com` -> ['l','facebook','com']. */
function hostLabels(host: string): string[] {
  return host.toLowerCase().split('.').filter(Boolean);
}

function hostMatches(host: string, names: readonly string[]): boolean {
  const labels = hostLabels(host);
  // Match the registrable-name label: any label but the last (the TLD), e.g. google.co.uk, t.co, lnkd.in.
  return labels.slice(0, -1).some((label) => names.includes(label));
}

function sourcePlatform(source: string): Platform {
  if (!source) return 'other';
  for (const rule of PLATFORM_SOURCES) {
    if (rule.names.includes(source) || rule.names.some((name) => source.startsWith(`${name}.`))) return rule.platform;
    if (source.includes('.') && hostMatches(source, rule.names)) return rule.platform;
  }
  return 'other';
}

function referrerPlatform(host: string): Platform {
  for (const rule of PLATFORM_SOURCES) if (hostMatches(host, rule.names)) return rule.platform;
  return 'other';
}

function firstParam(params: URLSearchParams | undefined, names: readonly string[]): string | null {
  if (!params) return null;
  for (const name of names) {
    const value = params.get(name);
    if (value !== null && value.trim() !== '') return value.trim();
  }
  return null;
}

function nonEmpty(value: string | undefined): string | null {
  return value !== undefined && value.trim() !== '' ? value.trim() : null;
}

/** Fill UTMs and click ids the caller did not extract from the landing URL's query string. */
function mergeFromLanding(input: ChannelInput, params: URLSearchParams | undefined): { clickIds: ClickIds; utm: Utm } {
  const clickIds: ClickIds = { ...input.clickIds };
  const utm: Utm = { ...input.utm };
  if (!params) return { clickIds, utm };
  for (const rule of CLICK_ID_RULES) {
    const fromUrl = params.get(rule.key);
    if (!clickIds[rule.key] && fromUrl) clickIds[rule.key] = fromUrl;
  }
  for (const key of ['source', 'medium', 'campaign', 'content', 'term', 'id'] as const) {
    const fromUrl = params.get(`utm_${key}`);
    if (!utm[key] && fromUrl) utm[key] = fromUrl;
  }
  return { clickIds, utm };
}

function channelFromUtm(source: string, medium: string): Channel | null {
  const isSearch = SEARCH_ENGINES.includes(source) || (source.includes('.') && hostMatches(source, SEARCH_ENGINES));
  const isSocial = SOCIAL_SITES.includes(source) || (source.includes('.') && hostMatches(source, SOCIAL_SITES));
  if (PAID_SOCIAL_MEDIUMS.includes(medium)) return 'paid_social';
  if (DISPLAY_MEDIUMS.includes(medium)) return 'display';
  if (PAID_MEDIUMS.includes(medium) || medium.startsWith('paid')) return isSocial ? 'paid_social' : 'paid_search';
  if (EMAIL_MEDIUMS.includes(medium) || source === 'newsletter' || source === 'email') return 'email';
  if (AFFILIATE_MEDIUMS.includes(medium)) return 'affiliate';
  if (SOCIAL_MEDIUMS.includes(medium)) return 'social';
  if (ORGANIC_MEDIUMS.includes(medium)) return isSocial ? 'social' : 'organic_search';
  if (REFERRAL_MEDIUMS.includes(medium)) return 'referral';
  if (medium === '' && source === '') return null;
  // A source without a recognised medium: judge by the source alone (GA4's default channel grouping does the same).
  if (isSocial) return 'social';
  if (isSearch) return 'organic_search';
  if (source !== '' && medium === '') return 'referral';
  return 'referral';
}

function channelFromReferrer(referrer: URL | null, landing: URL | null): { channel: Channel; host: string | null } {
  if (!referrer) return { channel: 'direct', host: null };
  const host = referrer.hostname.toLowerCase();
  // Navigation inside the site is not a new touch.
  if (landing && landing.hostname.toLowerCase() === host) return { channel: 'direct', host: null };
  if (EMAIL_HOSTS.includes(host)) return { channel: 'email', host };
  if (hostMatches(host, SEARCH_ENGINES) && !host.startsWith('mail.')) return { channel: 'organic_search', host };
  if (hostMatches(host, SOCIAL_SITES)) return { channel: 'social', host };
  return { channel: 'referral', host };
}

/**
 * Classify one visit or click: click ids beat UTMs, UTMs beat the referrer, nothing means direct.
 * Campaign / ad set / ad ids come from UTMs and the platforms' URL parameters (Google ValueTrack
 * `campaignid`/`adgroupid`/`creative`, Meta `campaign_id`/`adset_id`/`ad_id` dynamic parameters).
 */
export function classifyChannel(input: ChannelInput): Classification {
  const landing = parseUrl(input.landingUrl);
  const params = landing?.searchParams;
  const { clickIds, utm } = mergeFromLanding(input, params);
  const source = lower(utm.source);
  const medium = lower(utm.medium);

  let kind: 'click' | 'visit' = 'visit';
  let channel: Channel | null = null;
  let platform: Platform = 'other';
  let clickIdType: string | null = null;
  let clickId: string | null = null;

  for (const rule of CLICK_ID_RULES) {
    const value = nonEmpty(clickIds[rule.key]);
    if (!value) continue;
    kind = 'click';
    clickIdType = rule.key;
    clickId = value;
    channel = rule.channel;
    platform = rule.platform;
    break;
  }

  const utmChannel = channelFromUtm(source, medium);
  if (clickIdType === 'tp_click_id') {
    // A tracked link carries its own UTMs; without them it is an affiliate/partner link.
    if (utmChannel) channel = utmChannel;
    platform = sourcePlatform(source);
  } else if (clickIdType === 'gclid' || clickIdType === 'gbraid' || clickIdType === 'wbraid') {
    // Google Ads also serves display / YouTube inventory under a gclid.
    if (utmChannel === 'display') channel = 'display';
  } else if (!channel) {
    if (utmChannel) {
      channel = utmChannel;
      platform = sourcePlatform(source);
    } else {
      const referrer = channelFromReferrer(parseUrl(input.referrer), landing);
      channel = referrer.channel;
      platform = referrer.host ? referrerPlatform(referrer.host) : 'other';
    }
  }
  const finalChannel: Channel = channel ?? 'direct';
  if (finalChannel === 'direct' || finalChannel === 'email') platform = 'other';

  return {
    kind,
    channel: finalChannel,
    platform,
    clickIdType,
    clickId,
    campaignId: nonEmpty(utm.id) ?? firstParam(params, ['campaign_id', 'campaignid', 'utm_campaign_id', 'cid']),
    campaignName: nonEmpty(utm.campaign) ?? firstParam(params, ['campaign_name', 'campaign']),
    adsetId: firstParam(params, ['adset_id', 'adsetid', 'adgroup_id', 'adgroupid', 'ad_group_id', 'utm_adset_id']),
    adsetName: firstParam(params, ['adset_name', 'adgroup_name', 'ad_group_name', 'utm_adset']) ?? nonEmpty(utm.term),
    adId: firstParam(params, ['ad_id', 'adid', 'creative', 'creative_id', 'utm_ad_id']),
    adName: firstParam(params, ['ad_name', 'creative_name', 'utm_ad']) ?? nonEmpty(utm.content),
  };
}
