import { describe, expect, it } from 'vitest';
import { CATALOG } from '../events/catalog.js';
import { CANONICAL_EVENTS } from './events.js';

describe('client event names', () => {
  it('match the canonical catalog exactly', () => {
    expect([...CANONICAL_EVENTS].sort()).toEqual(CATALOG.map((e) => e.name).sort());
  });
});
