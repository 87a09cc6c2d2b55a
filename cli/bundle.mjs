// Bundles the compiled CLI (npm run build, npm test, npm run bench): dist/cli/main.js → dist/bundle/,
// which bin/hopwatch.js starts. Node 20 resolves, reads and compiles every ES module on its own, and
// the CLI's ~220 modules (95 of them zod's, 64 of those locales it never uses) cost a `hopwatch detect`
// of an empty file 0.28 s of CPU against 0.19 s bundled. Each subcommand stays a chunk of its own, so
// a run still loads only its own code. Packages stay in node_modules, except zod, which is bundled so
// that its locales are left out, and the fastify type provider, so that the API builds its schemas
// with the same zod.
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const bundled = /^(zod|fastify-type-provider-zod)(\/|$)/;
const outdir = join(dist, 'bundle');
// Chunks are named by their content: a rebuild would otherwise leave the last build's beside the new.
await rm(outdir, { recursive: true, force: true });

await build({
  entryPoints: { hopwatch: join(dist, 'cli', 'main.js') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  outdir,
  logLevel: 'warning',
  plugins: [
    {
      name: 'packages-stay-installed',
      setup(context) {
        context.onResolve({ filter: /^[^./]/ }, ({ path }) =>
          bundled.test(path) ? undefined : { path, external: true },
        );
      },
    },
    {
      // zod exports every locale as `z.locales`, so bundling alone kept all 64 (368 KB that each
      // start-up parsed: `hopwatch detect` of an empty file, medians of 20 alternating runs, 0.37 →
      // 0.34 s of CPU). hopwatch's messages are zod's English default, which zod imports itself.
      name: 'zod-english-only',
      setup(context) {
        context.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, ({ importer, resolveDir }) =>
          /[\\/]node_modules[\\/]zod[\\/]/.test(importer)
            ? { path: join(resolveDir, '..', 'locales', 'en.js'), namespace: 'zod-english-only' }
            : undefined,
        );
        context.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, ({ path }) => ({
          contents: `export { default as en } from ${JSON.stringify(path)};`,
          resolveDir: dirname(path),
        }));
      },
    },
  ],
});
