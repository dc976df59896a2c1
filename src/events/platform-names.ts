import type { AdKind } from './catalog.js';

/**
 * Default canonical -> platform event names (specs/destinations.md §6, "Funnel event -> platform event
 * mapping"). Meta and TikTok take an event name (standard names from §1.9 / §4.4; anything else is a
 * custom event). Google Ads, LinkedIn and Microsoft attach meaning to a pre-created conversion action /
 * rule / goal: for them the value is the category to create it with, and a workspace maps it to its
 * own action id, rule URN or goal name with a per-destination override.
 */
type Names = [meta: string | null, tiktok: string | null, google: string, linkedin: string, microsoft: string];

const TABLE: Record<string, Names> = {
  PageView: ['PageView', null, 'PAGE_VIEW', 'KEY_PAGE_VIEW', 'PageView'],
  ContentView: ['ViewContent', 'ViewContent', 'PAGE_VIEW', 'VIEW_CONTENT', 'PageView'],
  HighIntentPageView: ['ViewContent', 'ViewContent', 'PAGE_VIEW', 'KEY_PAGE_VIEW', 'PageView'],
  AdLandingPageView: ['ViewContent', 'ViewContent', 'PAGE_VIEW', 'KEY_PAGE_VIEW', 'PageView'],
  LeadCaptured: ['Lead', 'Lead', 'SUBMIT_LEAD_FORM', 'LEAD', 'SubmitLeadForm'],
  DemoBooked: ['Schedule', 'Schedule', 'BOOK_APPOINTMENT', 'BOOK_APPOINTMENT', 'BookAppointment'],
  ChatStarted: ['Contact', 'Contact', 'CONTACT', 'CONTACT', 'Contact'],
  Contact: ['Contact', 'Contact', 'CONTACT', 'CONTACT', 'Contact'],
  SubmitApplication: [
    'SubmitApplication',
    'SubmitApplication',
    'SUBMIT_LEAD_FORM',
    'SUBMIT_APPLICATION',
    'SubmitLeadForm',
  ],
  WebinarRegistration: ['CompleteRegistration', 'CompleteRegistration', 'SIGNUP', 'SIGN_UP', 'Signup'],
  SignUp: ['CompleteRegistration', 'CompleteRegistration', 'SIGNUP', 'SIGN_UP', 'Signup'],
  StartTrial: ['StartTrial', 'StartTrial', 'SIGNUP', 'START_TRIAL', 'Signup'],
  AddToCart: ['AddToCart', 'AddToCart', 'ADD_TO_CART', 'ADD_TO_CART', 'AddToCart'],
  AddPaymentInfo: ['AddPaymentInfo', 'AddPaymentInfo', 'DEFAULT', 'ADD_BILLING_INFO', 'Other'],
  CheckoutStarted: ['InitiateCheckout', 'InitiateCheckout', 'BEGIN_CHECKOUT', 'START_CHECKOUT', 'BeginCheckout'],
  Purchase: ['Purchase', 'Purchase', 'PURCHASE', 'PURCHASE', 'Purchase'],
  SubscriptionStarted: ['Subscribe', 'Subscribe', 'SUBSCRIBE_PAID', 'SUBSCRIBE', 'Subscribe'],
  MQL: ['QualifiedLead', null, 'QUALIFIED_LEAD', 'MARKETING_QUALIFIED_LEAD', 'Other'],
  SalesQualifiedLead: ['SalesQualifiedLead', null, 'QUALIFIED_LEAD', 'SALES_QUALIFIED_LEAD', 'Other'],
  PipelineQualified: [null, null, 'QUALIFIED_LEAD', 'QUALIFIED_LEAD', 'Other'],
  ClosedWon: ['Purchase', 'Purchase', 'CONVERTED_LEAD', 'PURCHASE', 'Purchase'],
};

const COLUMN: Record<AdKind, number> = { meta: 0, tiktok: 1, 'google-ads': 2, linkedin: 3, microsoft: 4 };

/** What a platform receives when no standard fits: Meta/TikTok take a custom event, the others a generic category. */
const FALLBACK: Record<AdKind, string | null> = {
  meta: null,
  tiktok: null,
  'google-ads': 'DEFAULT',
  linkedin: 'OTHER',
  microsoft: 'Other',
};

/** Whether `kind` has a standard (non-custom) event or category for `name`. */
export function hasStandardPlatformName(kind: AdKind, name: string): boolean {
  const row = TABLE[name];
  return row !== undefined && row[COLUMN[kind]] !== null;
}

/**
 * The default platform event name (Meta/TikTok) or conversion category (Google/LinkedIn/Microsoft)
 * for a canonical event or custom key. Never empty: custom events keep their own name on Meta/TikTok.
 */
export function defaultPlatformName(kind: AdKind, name: string): string {
  const row = TABLE[name];
  const standard = row === undefined ? null : (row[COLUMN[kind]] ?? null);
  return standard ?? FALLBACK[kind] ?? name;
}
