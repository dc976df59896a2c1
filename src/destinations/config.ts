import { AppError } from '../errors/codes.js';

/** Small readers for adapter configs: each failure names the config field. */
export function asObject(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AppError('validation_failed', 'config must be a JSON object', 'config');
  }
  return raw as Record<string, unknown>;
}

export function reqString(obj: Record<string, unknown>, key: string, pattern?: RegExp, hint?: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AppError('validation_failed', `config.${key} is required (a non-empty string)`, `config.${key}`);
  }
  if (pattern !== undefined && !pattern.test(value)) {
    throw new AppError('validation_failed', `config.${key} ${hint ?? `must match ${pattern}`}`, `config.${key}`);
  }
  return value.trim();
}

export function optString(obj: Record<string, unknown>, key: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string')
    throw new AppError('validation_failed', `config.${key} must be a string`, `config.${key}`);
  return value.trim();
}

export function optBaseUrl(obj: Record<string, unknown>, fallback: string): string {
  const value = optString(obj, 'baseUrl');
  if (value === undefined) return fallback;
  if (!/^https?:\/\/[^\s]+$/.test(value)) {
    throw new AppError('validation_failed', 'config.baseUrl must be an http(s) URL', 'config.baseUrl');
  }
  return value.replace(/\/+$/, '');
}

export function optNumber(obj: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new AppError('validation_failed', `config.${key} must be a number from ${min} to ${max}`, `config.${key}`);
  }
  return value;
}

export function optBool(obj: Record<string, unknown>, key: string): boolean | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean')
    throw new AppError('validation_failed', `config.${key} must be true or false`, `config.${key}`);
  return value;
}

export function optStringMap(obj: Record<string, unknown>, key: string): Record<string, string> {
  const value = obj[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AppError('validation_failed', `config.${key} must be an object of strings`, `config.${key}`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw new AppError('validation_failed', `config.${key}.${k} must be a string`, `config.${key}`);
    }
    out[k] = String(v);
  }
  return out;
}
