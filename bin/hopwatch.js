#!/usr/bin/env -S node --max-semi-space-size=64 --no-allocation-site-pretenuring
// A 64 MB young generation (Node's default is 16 MB): request batches die young instead of being
// promoted, so old-generation collections of the detection state come less often. Measured under a
// 4x HTTP overload: /healthz p99 155-264 ms -> 93-100 ms, RSS 2.0-2.3 GB -> 1.6-1.8 GB, more hops taken.
// No allocation-site pretenuring: V8 sees the objects a decoded hop is made of (credential, destination,
// lineage node) outlive a young collection while the hop waits, and in some processes decided to
// allocate more of them straight in the old generation (34 sites tenured against 25), where they die:
// those processes ran the pipeline at 58-90k events/s against 100-117k; without it every process ran
// at the latter, and 1M traces kept 1,584-1,603 MiB RSS against 2,072.
// `node bin/hopwatch.js` skips this line: pass the flags yourself (the Dockerfile and the tests do).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Before 20.19, and from 21 to 22.11, Node cannot require() an ES module (the console's static file
// server does, for content-disposition): the bundle would fail to load with an error that names
// neither hopwatch nor the versions it needs.
const [major, minor] = process.versions.node.split('.').map(Number);
if (!((major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23)) {
  process.stderr.write(`hopwatch: Node.js 20.19+ or 22.12+ is required; this is ${process.versions.node}\n`);
  process.exit(2);
}

// The bundled CLI (cli/bundle.mjs); dist/cli/main.js is the same code, module by module.
const entry = new URL('../dist/bundle/hopwatch.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('hopwatch: dist/ is missing; run `npm run build` (npm ci does it for you)\n');
  process.exit(2);
}
await import(entry.href);
