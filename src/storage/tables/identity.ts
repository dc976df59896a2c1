/** Tracked short links and their clicks (migration 0005-identity). */
export interface LinkTable {
  workspace_id: string;
  link_id: string;
  /** Unique across the instance: `GET /l/<slug>` carries no workspace. */
  slug: string;
  url: string;
  name: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_content: string | null;
  utm_term: string | null;
  created_at: number;
}

export interface LinkClickTable {
  workspace_id: string;
  /** `clk_…`: appended to the target as `tp_click_id`; lead/sale events send it back as `clickId`. */
  click_id: string;
  link_id: string;
  occurred_at: number;
  referrer: string | null;
  user_agent: string | null;
  touchpoint_id: string;
}

export interface IdentityTables {
  links: LinkTable;
  link_clicks: LinkClickTable;
}
