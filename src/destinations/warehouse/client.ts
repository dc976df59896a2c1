import { appendFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { HttpClient } from '../../http/client.js';
import type { TestResult } from '../types.js';
import type { WebhookEvent } from '../webhook/map.js';
import { fileName } from './map.js';
import type { WarehouseSettings } from './settings.js';

/** Appends the batch to the current file of this hour, rotating to the next sequence number when full. */
export async function writeWarehouseBatch(
  events: WebhookEvent[],
  settings: WarehouseSettings,
  now: number,
): Promise<string> {
  await mkdir(settings.directory, { recursive: true });
  const hourPrefix = fileName(settings.prefix, now, 0).replace(/-0000\.ndjson$/, '-');
  const existing = (await readdir(settings.directory)).filter((f) => f.startsWith(hourPrefix)).sort();
  let seq =
    existing.length === 0 ? 1 : Number(existing[existing.length - 1]?.slice(hourPrefix.length, -'.ndjson'.length)) || 1;
  let file = join(settings.directory, fileName(settings.prefix, now, seq));
  const size = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  const lines = `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
  if (size > 0 && size + Buffer.byteLength(lines) > settings.maxFileBytes) {
    seq += 1;
    file = join(settings.directory, fileName(settings.prefix, now, seq));
  }
  await appendFile(file, lines, 'utf8');
  return file;
}

export async function testWarehouse(settings: WarehouseSettings, _http: HttpClient): Promise<TestResult> {
  try {
    await mkdir(settings.directory, { recursive: true });
    await stat(settings.directory);
    return { ok: true, message: `writable: ${settings.directory}` };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
