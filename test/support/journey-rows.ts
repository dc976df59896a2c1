import type { EventTable, TouchpointTable } from '../../src/storage/tables/core.js';

/** Rows for tests that write journeys straight into the tables; ids are unique within a test file. */
let n = 0;
export function touch(
  ws: string,
  person: string | null,
  at: number,
  channel: string,
  platform: string,
  ad?: string,
): TouchpointTable {
  n++;
  return {
    workspace_id: ws,
    touchpoint_id: `tch_t${n}`,
    person_id: person,
    visitor_id: null,
    occurred_at: at,
    kind: ad ? 'click' : 'visit',
    channel,
    platform,
    campaign_id: ad ? `${ad}-campaign` : null,
    campaign_name: ad ? `Campaign ${ad}` : null,
    adset_id: ad ? `${ad}-set` : null,
    adset_name: null,
    ad_id: ad ?? null,
    ad_name: ad ? `Ad ${ad}` : null,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    utm_content: null,
    utm_term: null,
    click_id_type: null,
    click_id: null,
    referrer: null,
    landing_url: null,
    event_id: null,
  };
}

export function purchase(ws: string, person: string, at: number, valueMinor: number): EventTable {
  n++;
  return {
    workspace_id: ws,
    event_id: `evt_t${n}`,
    name: 'Purchase',
    is_canonical: 1,
    original_name: 'Purchase',
    source: 'api',
    occurred_at: at,
    received_at: at + 1000,
    person_id: person,
    dedup_key: `d${n}`,
    request_id: 'req_test',
    value_minor: valueMinor,
    currency: 'USD',
    user_data: '{}',
    click_ids: '{}',
    context: '{}',
    properties: '{}',
    do_not_forward: 0,
  };
}
