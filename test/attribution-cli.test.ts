import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';

describe('touchpoint attribute', () => {
  const csv = 'path;total_conversions;total_conversion_value;total_null\nA > B;1;10;0\nA;0;0;1\nB;1;30;1\n';
  it('prints exactly { model, channels } with --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-attr-'));
    const file = join(dir, 'paths.csv');
    writeFileSync(file, csv);
    const out: string[] = [];
    const code = await main(['attribute', '--input', file, '--model', 'markov', '--json'], {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });
    expect(code).toBe(0);
    const parsed = JSON.parse(out.join('')) as { model: string; channels: Array<Record<string, unknown>> };
    expect(Object.keys(parsed)).toEqual(['model', 'channels']);
    expect(parsed.model).toBe('markov');
    expect(parsed.channels.map((c) => Object.keys(c))).toEqual([
      ['channel', 'conversions', 'value'],
      ['channel', 'conversions', 'value'],
    ]);
    expect(parsed.channels[1]?.conversions).toBeCloseTo(1.5, 9);
    const bad = await main(['attribute', '--input', file, '--model', 'nope'], { out: () => {}, err: () => {} });
    expect(bad).toBe(2);
  });
});
