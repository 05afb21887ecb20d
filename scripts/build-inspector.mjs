// Bundles the inspector page (inspector/page) into dist/inspector/assets: one script, one
// stylesheet and the HTML, everything the page needs offline (elkjs included).
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = join(root, 'inspector', 'page');
const out = join(root, 'dist', 'inspector', 'assets');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(page, 'main.ts')],
  outfile: join(out, 'inspector.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  logLevel: 'warning',
  // elkjs probes for Node's web-worker package inside a try block; the browser never has it.
  external: ['web-worker'],
});
copyFileSync(join(page, 'index.html'), join(out, 'index.html'));
copyFileSync(join(page, 'style.css'), join(out, 'inspector.css'));
copyFileSync(join(page, 'favicon.svg'), join(out, 'favicon.svg'));
