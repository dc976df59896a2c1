export interface WorkspaceTable {
  workspace_id: string;
  name: string;
  timezone: string;
  currency: string;
  pixel_id: string;
  /** JSON array of host names allowed to send pixel beacons. */
  allowed_domains: string;
  /** ISO 3166 alpha-2 country used for phone numbers without a country code. */
  default_country: string;
  created_at: number;
}

export interface ApiTokenTable {
  workspace_id: string;
  token_id: string;
  name: string;
  scope: 'ingest' | 'read' | 'admin';
  /** SHA-256 hex of the whole token: the token itself is never stored. */
  token_hash: string;
  prefix: string;
  last4: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SessionTable {
  workspace_id: string;
  session_id: string;
  session_hash: string;
  scope: 'admin';
  created_at: number;
  expires_at: number;
}

export interface SettingTable {
  workspace_id: string;
  key: string;
  value: string;
  updated_at: number;
}

export interface FoundationTables {
  workspaces: WorkspaceTable;
  api_tokens: ApiTokenTable;
  sessions: SessionTable;
  settings: SettingTable;
}
