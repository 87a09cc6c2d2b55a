// Bundles the console (npm run build, npm test): console/src → dist/console, nothing fetched at run time.
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'console');
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'main.tsx')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: true,
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
const require = createRequire(import.meta.url);
await copyFile(join(here, 'index.html'), join(out, 'index.html'));
await copyFile(join(here, 'app.css'), join(out, 'app.css'));
await copyFile(require.resolve('uplot/dist/uPlot.min.css'), join(out, 'uplot.css'));
