/** Ad spend imported by CSV or API (migration 0007-attribution): one row per day and ad object. */
export interface AdSpendTable {
  workspace_id: string;
  /** Calendar day of the spend in the workspace timezone, `YYYY-MM-DD`. */
  date: string;
  platform: string;
  /** '' when the row is not broken down to that level (part of the primary key, so never null). */
  campaign_id: string;
  adset_id: string;
  ad_id: string;
  campaign_name: string | null;
  adset_name: string | null;
  ad_name: string | null;
  /** Minor units of `currency`. */
  spend_minor: number;
  currency: string;
  impressions: number;
  clicks: number;
  updated_at: number;
}

export interface AttributionTables {
  ad_spend: AdSpendTable;
}
