// Bundles the browser pixel (src/pixel/browser) into dist/pixel/touchpoint.min.js and prints its size.
// `npm run build` runs this after tsc; the server also bundles on demand when the file is missing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = await build({
  entryPoints: [join(root, 'src/pixel/browser/index.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2019'],
  write: false,
  legalComments: 'none',
});
const code = result.outputFiles[0].text;
const out = join(root, 'dist/pixel/touchpoint.min.js');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, code);
console.log(`pixel: ${out} ${code.length} bytes, ${gzipSync(code).length} bytes gzipped`);
