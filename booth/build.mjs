// Builds booth/booth.js into build/booth/booth.js (one ES module, dependencies bundled from
// node_modules) and writes its subresource-integrity hash to build/booth/booth.js.sri.
// Run with `npm run build` after `npm ci`.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'build', 'booth');
const outfile = join(outdir, 'booth.js');

mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(root, 'booth', 'booth.js')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  legalComments: 'inline',
  sourcemap: false,
  charset: 'utf8',
  logLevel: 'warning',
});

const bytes = readFileSync(outfile);
const sri = `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const sha256 = createHash('sha256').update(bytes).digest('hex');
writeFileSync(`${outfile}.sri`, `${sri}\n`);
writeFileSync(`${outfile}.sha256`, `${sha256}\n`);
console.log(`booth: ${outfile.slice(root.length + 1)} (${bytes.length} bytes) ${sri}`);
