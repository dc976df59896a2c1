import { isAbsolute } from 'node:path';
import { AppError } from '../../errors/codes.js';
import { asObject, optNumber, reqString } from '../config.js';

/** NDJSON files in a directory, rotated by size and by hour, for a warehouse loader to pick up. */
export interface WarehouseSettings {
  directory: string;
  /** Start a new file past this size (bytes). */
  maxFileBytes: number;
  /** Prefix of the file names (`events-2026112309-0001.ndjson`). */
  prefix: string;
}

export function parseWarehouseConfig(raw: unknown): WarehouseSettings {
  const obj = asObject(raw);
  const directory = reqString(obj, 'directory');
  if (!isAbsolute(directory))
    throw new AppError('validation_failed', 'config.directory must be an absolute path', 'config.directory');
  const prefix = typeof obj.prefix === 'string' && /^[\w.-]+$/.test(obj.prefix) ? obj.prefix : 'events';
  return { directory, maxFileBytes: optNumber(obj, 'maxFileBytes', 1024, 10_000_000_000) ?? 64 * 1024 * 1024, prefix };
}
