import { describe, expect, it } from 'vitest';
import { buildPixelBundle, gzipSize, PIXEL_BUDGET_GZIP_BYTES, renderPixel } from './bundle.js';

describe('pixel bundle', () => {
  it('builds from the browser sources and stays within its gzipped size budget', async () => {
    const bundle = await buildPixelBundle();
    const gz = gzipSize(bundle);
    console.info(
      `pixel bundle: ${bundle.length} bytes minified, ${gz} bytes gzipped (budget ${PIXEL_BUDGET_GZIP_BYTES})`,
    );
    expect(bundle.length).toBeGreaterThan(1000);
    expect(bundle).toContain('__TP__');
    expect(bundle).toContain('/collect?pixelId=');
    expect(gz).toBeLessThanOrEqual(PIXEL_BUDGET_GZIP_BYTES);
  });

  it('wraps the bundle with the workspace configuration and a content ETag', () => {
    const a = renderPixel('console.log(__TP__.pixelId)', {
      pixelId: 'px_a',
      endpoint: 'https://t.example',
      domains: [],
    });
    const b = renderPixel('console.log(__TP__.pixelId)', {
      pixelId: 'px_b',
      endpoint: 'https://t.example',
      domains: [],
    });
    expect(a.body).toContain('"pixelId":"px_a"');
    expect(a.etag).toMatch(/^"[\w-]{27}"$/);
    expect(a.etag).not.toBe(b.etag);
    expect(renderPixel('x', { pixelId: 'px_a', endpoint: 'e', domains: [] }).etag).toBe(
      renderPixel('x', { pixelId: 'px_a', endpoint: 'e', domains: [] }).etag,
    );
  });
});
