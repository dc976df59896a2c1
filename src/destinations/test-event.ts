import type { StoredEvent } from '../events/stored-event.js';
import { DEFAULT_PRIVACY, type DeliveryItem, type MapContext } from './types.js';

/** Builders for mapper tests: a stored event with overrides, and a map context at a fixed instant. */
export const NOW = 1_763_800_000_000; // the spec examples' event_time (2025-11-22T08:26:40Z)

export function storedEvent(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    workspaceId: 'ws_1',
    id: 'evt_1',
    name: 'Purchase',
    isCanonical: true,
    originalName: 'purchase',
    source: 'api',
    occurredAt: NOW - 60_000,
    receivedAt: NOW - 59_000,
    personId: 'per_1',
    dedupKey: 'order_9876',
    requestId: 'req_1',
    valueMinor: 4900,
    currency: 'USD',
    userData: {},
    clickIds: {},
    context: {},
    properties: {},
    doNotForward: false,
    ...overrides,
  };
}

export function item(
  event: StoredEvent,
  platformEventName: string | null = null,
  fbclidFirstSeenAt?: number,
): DeliveryItem {
  return { deliveryId: 'dlv_1', event, platformEventName, fbclidFirstSeenAt };
}

export function mapCtx(overrides: Partial<MapContext> = {}): MapContext {
  return { privacy: { ...DEFAULT_PRIVACY }, defaultCountry: 'US', now: NOW, ...overrides };
}
