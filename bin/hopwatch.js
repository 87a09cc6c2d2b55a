#!/usr/bin/env -S node --max-semi-space-size=64 --no-allocation-site-pretenuring --disable-warning=TimeoutNegativeWarning
// A 64 MB young generation (Node's default is 16 MB): request batches die young instead of being
// promoted, so old-generation collections of the detection state come less often. Measured under a
// 4x HTTP overload: /healthz p99 155-264 ms -> 93-100 ms, RSS 2.0-2.3 GB -> 1.6-1.8 GB, more hops taken.
// No allocation-site pretenuring: V8 sees the objects a decoded hop is made of (credential, destination,
// lineage node) outlive a young collection while the hop waits, and in some processes decided to
// allocate more of them straight in the old generation (34 sites tenured against 25), where they die:
// those processes ran the pipeline at 58-90k events/s against 100-117k; without it every process ran
// at the latter, and 1M traces kept 1,584-1,603 MiB RSS against 2,072.
// kafkajs 2.2.4 sets a timer of minus the epoch when it connects (kafkajs#1751): Node 24 warns that it
// runs it after 1 ms, as Node 20 did without a word; the warning would tell an operator nothing.
// `node bin/hopwatch.js` skips this line: pass the flags yourself (the Dockerfile and the tests do).
import './node-version.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The bundled CLI (cli/bundle.mjs); dist/cli/main.js is the same code, module by module.
const entry = new URL('../dist/bundle/hopwatch.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('hopwatch: dist/ is missing; run `npm run build` (npm ci does it for you)\n');
  process.exit(2);
}
await import(entry.href);
