/**
 * The canonical event catalog: the 66 B2B SaaS events of the seed taxonomy
 * (shared/seeds/canonical-event-taxonomy.txt) in six funnel stages, plus extension events the
 * ingestion surfaces and the Stripe/CRM sources need (specs/sources.md 5.1 and 5.4) that the seed
 * does not name. Product code sends one stable name; routing.ts decides what each destination gets.
 */

export type FunnelStage = 'awareness' | 'interest' | 'acquisition' | 'activation' | 'revenue' | 'product';

export const FUNNEL_STAGES: readonly FunnelStage[] = [
  'awareness',
  'interest',
  'acquisition',
  'activation',
  'revenue',
  'product',
];

export type AdKind = 'meta' | 'google-ads' | 'linkedin' | 'tiktok' | 'microsoft';

export const AD_KINDS: readonly AdKind[] = ['meta', 'google-ads', 'linkedin', 'tiktok', 'microsoft'];

/**
 * Which ad platforms receive the event by default. Warehouse and webhook (CRM) destinations receive
 * every event unless a workspace override turns them off.
 * - 'all': every ad platform (a conversion signal campaigns should optimise on)
 * - 'none': warehouse/CRM only (seed: Refund, Chargeback, Churned, product extensions, ...)
 * - a list: only those platforms (PageView is a Meta pixel base event, not a conversion elsewhere)
 */
export type AdRouting = 'all' | 'none' | readonly AdKind[];

export interface CatalogEvent {
  name: string;
  stage: FunnelStage;
  description: string;
  /** When to fire it, from the seed's "When each core event should fire" table. */
  whenToFire: string | null;
  /** What to avoid, from the same table. */
  avoid: string | null;
  /** Not one of the seed's 66 events: added for the ingestion surfaces or the Stripe/CRM sources. */
  extension: boolean;
  /** Why the extension exists (null for seed events). */
  origin: string | null;
  /** Default ad-platform routing (warehouse and webhook always receive it by default). */
  ads: AdRouting;
  /** An internal lifecycle signal that is never a conversion (TrialExpired, PaymentFailed, ...). */
  internal: boolean;
}

type Row = [name: string, description: string, ads?: AdRouting];

function stage(
  stageName: FunnelStage,
  rows: Row[],
  extra: Partial<Pick<CatalogEvent, 'extension' | 'origin' | 'internal'>> = {},
): CatalogEvent[] {
  return rows.map(([name, description, ads]) => ({
    name,
    stage: stageName,
    description,
    whenToFire: null,
    avoid: null,
    extension: extra.extension ?? false,
    origin: extra.origin ?? null,
    ads: ads ?? 'none',
    internal: extra.internal ?? false,
  }));
}

const SEED_EVENTS: CatalogEvent[] = [
  ...stage('awareness', [
    ['PageView', 'Page / SPA navigation', ['meta']],
    ['ContentView', 'Blog, guide, comparison viewed', ['meta', 'tiktok']],
    ['HighIntentPageView', 'Pricing, demo, or security page'],
    ['AdLandingPageView', 'Paid campaign landing page'],
    ['CompanyIdentified', 'Anonymous visitor matched to company'],
    ['ReturningVisitor', 'Repeat session from known cookie / externalId'],
  ]),
  ...stage('interest', [
    ['FeatureUsed', 'Demo / free tool used'],
    ['LeadCaptured', 'High-intent form fill or content lead', 'all'],
    ['DemoIntent', 'User clicked book demo or opened scheduler'],
    ['DemoBooked', 'Demo or sales consultation booked', 'all'],
    ['ChatStarted', 'Live chat or support widget opened'],
    ['PricingInteraction', 'Pricing calculator or plan toggle'],
    ['DocsInteraction', 'Developer docs engagement'],
    ['IntegrationViewed', 'Integration marketplace page viewed'],
  ]),
  ...stage('acquisition', [
    ['SignUp', 'Account created', 'all'],
    ['SSOLogin', 'First SSO authentication completed'],
    ['EmailVerified', 'Email verification confirmed'],
    ['WorkspaceCreated', 'Team workspace provisioned'],
    ['InviteSent', 'Team invite sent'],
    ['StartTrial', 'Free trial started', 'all'],
    ['TrialActivated', 'Trial fully provisioned with product access'],
  ]),
  ...stage('activation', [
    ['FirstAction', 'First meaningful product action'],
    ['ApiKeyCreated', 'Production API key generated'],
    ['ApiCallSucceeded', 'Successful API request'],
    ['CsvUploaded', 'Bulk CSV upload initiated'],
    ['EnrichmentStarted', 'Enrichment job started'],
    ['EnrichmentCompleted', 'Enrichment job finished'],
    ['CreditConsumed', 'Billable credit consumed'],
    ['SalesQualifiedLead', 'Lead qualified by sales'],
    ['OpportunityCreated', 'CRM opportunity created'],
    ['PipelineQualified', 'Deal reached qualified stage'],
    ['MeetingHeld', 'Sales or onboarding meeting completed'],
  ]),
  ...stage('revenue', [
    ['AddPaymentInfo', 'Payment method added', 'all'],
    ['CheckoutStarted', 'Checkout flow started', 'all'],
    ['Purchase', 'Initial paid conversion', 'all'],
    ['SubscriptionStarted', 'Paid subscription activated'],
    ['PlanUpgrade', 'Higher plan selected'],
    ['SubscriptionRenew', 'Renewal processed'],
    ['ExpansionRevenue', 'Expansion MRR from seats or usage'],
    ['TopUpPurchased', 'Credit top-up or one-time purchase'],
    ['Refund', 'Refund issued — warehouse/CRM only by default'],
    ['Chargeback', 'Payment chargeback — warehouse/CRM only by default'],
    ['Churned', 'Subscription cancelled — warehouse/CRM only by default'],
    ['Reactivated', 'Churned customer returned to paid plan'],
  ]),
  ...stage('product', [
    ['ApiDocsViewed', 'API reference docs viewed'],
    ['ApiPlaygroundUsed', 'Interactive API playground used'],
    ['FirstSuccessfulApiCall', 'Customer first successful API response'],
    ['EndpointTested', 'Specific API endpoint tested'],
    ['EmailFinderUsed', 'Email finder tool used'],
    ['EmailValidationUsed', 'Email validation tool used'],
    ['MobileFinderUsed', 'Mobile finder tool used'],
    ['CompanyEnriched', 'Company enrichment completed'],
    ['ProfileEnriched', 'Person profile enrichment completed'],
    ['BulkJobStarted', 'Bulk enrichment job started'],
    ['BulkJobCompleted', 'Bulk enrichment job completed'],
    ['CreditsPurchased', 'Credit pack purchased'],
    ['CreditsLow', 'Credit balance crossed low threshold'],
    ['CreditsExhausted', 'Credit balance reached zero'],
    ['TeamMemberInvited', 'Team member invited from product'],
    ['SalesforceConnected', 'Salesforce integration connected'],
    ['HubSpotConnected', 'HubSpot integration connected'],
    ['SmartleadConnected', 'Smartlead integration connected'],
    ['ClayExportClicked', 'Export to Clay initiated'],
    ['WebhookCreated', 'Outbound webhook endpoint created'],
    ['WebhookDelivered', 'Webhook delivery succeeded'],
    ['WebhookFailed', 'Webhook delivery failed'],
  ]),
];

/** The seed's "When each core event should fire" table. */
const FIRING_GUIDE: Record<string, [whenToFire: string, avoid: string]> = {
  PageView: ['Route/page becomes visible', 'Multiple fires for same page load'],
  LeadCaptured: ['Form successfully submitted', 'Firing on field focus'],
  SignUp: ['Account creation succeeds', 'Firing before server confirms'],
  StartTrial: ['Trial is provisioned', 'Sending when user only opens pricing'],
  FirstAction: ['First in-product value action', 'Counting passive navigation'],
  Purchase: ['Paid conversion confirmed', 'Client + server without dedup'],
  Refund: ['Refund processed', 'Sending to ad platforms by default'],
};

const SURFACE_ORIGIN = 'a standard event name of the server events API with no seed equivalent';
const LIFECYCLE_ORIGIN = 'a lifecycle event the Stripe/CRM sources derive (specs/sources.md 5.1, 5.4)';
const INTERNAL_ORIGIN = 'an internal, non-conversion signal of the Stripe/CRM sources (specs/sources.md 5.1)';

const EXTENSION_EVENTS: CatalogEvent[] = [
  ...stage(
    'interest',
    [
      ['Contact', 'Person contacted the business (call, email, contact form)', 'all'],
      ['SubmitApplication', 'Application submitted (partner, program, credit)', 'all'],
      ['WebinarRegistration', 'Registered for a webinar or live event', 'all'],
    ],
    { extension: true, origin: SURFACE_ORIGIN },
  ),
  ...stage('revenue', [['AddToCart', 'Plan or product added to cart', 'all']], {
    extension: true,
    origin: SURFACE_ORIGIN,
  }),
  ...stage(
    'activation',
    [
      ['MQL', 'Lead marked marketing qualified in the CRM'],
      ['ClosedWon', 'Deal won in the CRM'],
    ],
    { extension: true, origin: LIFECYCLE_ORIGIN },
  ),
  ...stage(
    'revenue',
    [['PlanDowngrade', 'MRR went down (lower tier or fewer seats) — warehouse/CRM only by default']],
    {
      extension: true,
      origin: LIFECYCLE_ORIGIN,
    },
  ),
  ...stage(
    'acquisition',
    [
      ['TrialWillEnd', 'Trial ends soon (Stripe customer.subscription.trial_will_end)'],
      ['TrialExpired', 'Trial ended without converting'],
    ],
    { extension: true, origin: INTERNAL_ORIGIN, internal: true },
  ),
  ...stage(
    'revenue',
    [
      ['TrialPaymentFailed', 'The payment converting a trial failed'],
      ['PaymentFailed', 'A recurring payment failed (dunning)'],
      ['PaymentRecovered', 'A failed payment was recovered'],
      ['ChurnScheduled', 'Subscription set to cancel at period end'],
      ['ChurnReverted', 'Scheduled cancellation withdrawn'],
    ],
    { extension: true, origin: INTERNAL_ORIGIN, internal: true },
  ),
  ...stage('interest', [['DemoCanceled', 'Booked demo canceled (not rescheduled)']], {
    extension: true,
    origin: INTERNAL_ORIGIN,
    internal: true,
  }),
];

export const CATALOG: readonly CatalogEvent[] = [...SEED_EVENTS, ...EXTENSION_EVENTS].map((event) => {
  const guide = FIRING_GUIDE[event.name];
  return guide === undefined ? event : { ...event, whenToFire: guide[0], avoid: guide[1] };
});

export const CATALOG_BY_NAME: ReadonlyMap<string, CatalogEvent> = new Map(CATALOG.map((e) => [e.name, e]));

export function catalogEvent(name: string): CatalogEvent | undefined {
  return CATALOG_BY_NAME.get(name);
}

export function isCanonicalName(name: string): boolean {
  return CATALOG_BY_NAME.has(name);
}

/** Whether the catalog routes `name` to the ad platform `kind` by default. */
export function adsByDefault(event: CatalogEvent, kind: AdKind): boolean {
  if (event.ads === 'all') return true;
  if (event.ads === 'none') return false;
  return event.ads.includes(kind);
}
