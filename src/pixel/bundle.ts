import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Size budget of the minified pixel, gzipped (issue 5). */
export const PIXEL_BUDGET_GZIP_BYTES = 4096;

let bundled: Promise<string> | undefined;

/** Bundles the browser sources with esbuild (what scripts/build-pixel.mjs does at build time). */
export async function buildPixelBundle(): Promise<string> {
  const candidates = [
    new URL('./browser/index.ts', import.meta.url),
    new URL('../../src/pixel/browser/index.ts', import.meta.url),
  ].map((url) => fileURLToPath(url));
  const entry = candidates.find((file) => existsSync(file));
  if (entry === undefined) throw new Error('the pixel bundle is missing and its sources are not installed');
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2019'],
    write: false,
    legalComments: 'none',
  });
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new Error('esbuild produced no pixel bundle');
  return code;
}

/** The minified pixel: the file `npm run build` wrote beside this module, else bundled now (once). */
export function pixelBundle(): Promise<string> {
  if (bundled === undefined) {
    const built = fileURLToPath(new URL('./touchpoint.min.js', import.meta.url));
    bundled = (existsSync(built) ? readFile(built, 'utf8') : buildPixelBundle()).catch((error: unknown) => {
      bundled = undefined;
      throw error;
    });
  }
  return bundled;
}

export interface PixelConfig {
  pixelId: string;
  /** Base URL beacons go to (`<endpoint>/collect`). */
  endpoint: string;
  /** Domains whose links carry the visitor id (cross-domain). */
  domains: string[];
}

export interface RenderedPixel {
  body: string;
  etag: string;
}

/** The script served at `/p/<pixelId>.js`: the bundle with this workspace's configuration. */
export function renderPixel(bundle: string, config: PixelConfig): RenderedPixel {
  const body = `(function(__TP__){${bundle}})(${JSON.stringify(config)});\n`;
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

export function gzipSize(text: string): number {
  return gzipSync(text).length;
}
