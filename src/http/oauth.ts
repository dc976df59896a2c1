import type { HttpClient } from './client.js';

/**
 * OAuth2 refresh-token flow for platforms whose access tokens expire within the hour (Google,
 * Microsoft, LinkedIn): the destination stores the long-lived refresh token; an access token is
 * fetched when needed and cached until shortly before it expires.
 */
export interface OAuthRefresh {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  scope?: string | undefined;
}

export const DEFAULT_TOKEN_URLS: Record<string, string> = {
  'google-ads': 'https://oauth2.googleapis.com/token',
  microsoft: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
  linkedin: 'https://www.linkedin.com/oauth/v2/accessToken',
};

export type TokenResult =
  | { ok: true; accessToken: string; expiresAt: number }
  | { ok: false; error: string; retryable: boolean };

export async function refreshAccessToken(http: HttpClient, oauth: OAuthRefresh, now: number): Promise<TokenResult> {
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: oauth.refreshToken,
    client_id: oauth.clientId,
    client_secret: oauth.clientSecret,
  });
  if (oauth.scope !== undefined) form.set('scope', oauth.scope);
  const response = await http.send({
    method: 'POST',
    url: oauth.tokenUrl,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    timeoutMs: 10_000,
  });
  if (response.kind === 'transport_error')
    return { ok: false, error: `token endpoint: ${response.message}`, retryable: true };
  let body: { access_token?: string; expires_in?: number; error?: string } = {};
  try {
    body = JSON.parse(response.body) as typeof body;
  } catch {
    // handled below
  }
  if (response.status >= 200 && response.status < 300 && typeof body.access_token === 'string') {
    return { ok: true, accessToken: body.access_token, expiresAt: now + Math.max(60, body.expires_in ?? 3600) * 1000 };
  }
  return {
    ok: false,
    error: `token endpoint HTTP ${response.status}${body.error ? `: ${body.error}` : ''}`,
    retryable: response.status >= 500 || response.status === 429,
  };
}

/** Caches access tokens per key (destination id) until a minute before they expire. */
export class TokenCache {
  private readonly tokens = new Map<string, { accessToken: string; expiresAt: number }>();

  async get(key: string, http: HttpClient, oauth: OAuthRefresh, now: number): Promise<TokenResult> {
    const hit = this.tokens.get(key);
    if (hit !== undefined && hit.expiresAt - 60_000 > now) return { ok: true, ...hit };
    const result = await refreshAccessToken(http, oauth, now);
    if (result.ok) this.tokens.set(key, { accessToken: result.accessToken, expiresAt: result.expiresAt });
    return result;
  }

  invalidate(key: string): void {
    this.tokens.delete(key);
  }
}
