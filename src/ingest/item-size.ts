import { AppError } from '../errors/codes.js';
import type { RejectedInput } from './accept.js';

/** Segment's limits, which integrations already respect: 32 KB per event, 500 KB per batch. */
export const SINGLE_EVENT_LIMIT = 32 * 1024;
export const BATCH_LIMIT = 500 * 1024;

/**
 * True when `value` as JSON surely takes at most `limit` bytes: an upper bound (every UTF-16 unit of a
 * string counted as 6 bytes, as a \uXXXX escape; every number as 24 characters), so it never says
 * true of an oversized item, and it stops as soon as the bound passes the limit.
 */
export function jsonSizeAtMost(value: unknown, limit: number): boolean {
  let budget = limit;
  const visit = (node: unknown, depth: number): boolean => {
    if (depth > 64) return false;
    if (typeof node === 'string') budget -= node.length * 6 + 2;
    else if (node === null || typeof node !== 'object') budget -= 24;
    else if (typeof (node as { toJSON?: unknown }).toJSON === 'function') return false;
    else if (Array.isArray(node)) {
      budget -= 2 + node.length;
      for (const child of node) if (!visit(child, depth + 1) || budget < 0) return false;
    } else {
      budget -= 2;
      for (const key in node) {
        budget -= key.length * 6 + 4;
        if (!visit((node as Record<string, unknown>)[key], depth + 1) || budget < 0) return false;
      }
    }
    return budget >= 0;
  };
  return visit(value, 0);
}

/** Per-event limit inside a batch: an oversized item is rejected alone (413), its neighbours stay. */
export function oversizedItem(
  item: unknown,
  surface: string,
  name: unknown,
  request?: { headers: Record<string, string | string[] | undefined> },
): RejectedInput | undefined {
  // A plain body no larger than the limit cannot hold an oversized item: skip serializing each one.
  const length = Number(request?.headers['content-length']);
  if (request?.headers['content-encoding'] === undefined && length <= SINGLE_EVENT_LIMIT) return undefined;
  // Nor can an item whose serialized size is surely under it: counted without serializing (hot path).
  if (jsonSizeAtMost(item, SINGLE_EVENT_LIMIT)) return undefined;
  const size = Buffer.byteLength(JSON.stringify(item) ?? '');
  if (size <= SINGLE_EVENT_LIMIT) return undefined;
  return {
    rejected: new AppError('payload_too_large', `this event is ${size} bytes; one event may be at most 32 KB`),
    surface,
    name: typeof name === 'string' ? name : undefined,
    raw: { truncated: true, bytes: size },
  };
}
