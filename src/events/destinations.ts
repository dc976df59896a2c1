import { AD_KINDS, type AdKind } from './catalog.js';

/** The kinds of destination the delivery engine knows; routing decisions are made per kind or per destination id. */
export type DestinationKind = AdKind | 'webhook' | 'warehouse';

export const DESTINATION_KINDS: readonly DestinationKind[] = [...AD_KINDS, 'webhook', 'warehouse'];

export function isDestinationKind(value: string): value is DestinationKind {
  return (DESTINATION_KINDS as readonly string[]).includes(value);
}

export function isAdKind(kind: DestinationKind): kind is AdKind {
  return (AD_KINDS as readonly string[]).includes(kind);
}

/** A routing target: a destination kind (all destinations of that kind) or one destination id (`dst_…`). */
export function isDestinationKey(value: string): boolean {
  return isDestinationKind(value) || /^dst_[A-Za-z0-9]{1,64}$/.test(value);
}
