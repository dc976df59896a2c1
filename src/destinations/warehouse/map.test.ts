import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { item, mapCtx, NOW, storedEvent } from '../test-event.js';
import { writeWarehouseBatch } from './client.js';
import { fileName, mapWarehouseEvent } from './map.js';
import { parseWarehouseConfig } from './settings.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('warehouse export', () => {
  it('names files per UTC hour with a sequence number', () => {
    expect(fileName('events', Date.UTC(2026, 10, 23, 9, 59), 3)).toBe('events-2026112309-0003.ndjson');
  });

  it('appends NDJSON lines and rotates past the size limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-wh-'));
    dirs.push(dir);
    const settings = parseWarehouseConfig({ directory: dir, maxFileBytes: 2048 });
    const mapped = mapWarehouseEvent(item(storedEvent()), settings, mapCtx());
    if (!mapped.ok) throw new Error('unmappable');
    for (let i = 0; i < 6; i++) await writeWarehouseBatch([mapped.payload, mapped.payload], settings, NOW);
    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThan(1);
    expect(files[0]).toBe(fileName('events', NOW, 1));
    const lines = files.flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'));
    expect(lines.length).toBe(12);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ id: 'evt_1', name: 'Purchase' });
  });

  it('requires an absolute directory', () => {
    expect(() => parseWarehouseConfig({ directory: 'relative/dir' })).toThrow(/absolute/);
  });
});
