import { randomBytes } from 'node:crypto';

/**
 * Prefixed, time-sortable ids (`evt_01J...`): the prefix says what the id names, the time part keeps
 * ids of one kind in creation order so cursors can page by id, and 80 random bits avoid collisions
 * between processes that share one database.
 */
export type IdPrefix =
  | 'ws'
  | 'tok'
  | 'px'
  | 'evt'
  | 'req'
  | 'per'
  | 'idn'
  | 'dst'
  | 'dlv'
  | 'src'
  | 'lnk'
  | 'clk'
  | 'tch'
  | 'cev'
  | 'chg'
  | 'ses'
  | 'spd'
  | 'obx';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) out += CROCKFORD[byte % 32];
  return out;
}

export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${encodeRandom(randomBytes(16))}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(`${prefix}_`);
}
