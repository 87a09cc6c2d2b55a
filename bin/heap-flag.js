// Prints the --max-old-space-size flag that sizes V8's heap for this process's memory limit (the
// container's cgroup), or nothing when there is none: bin/container-start.sh passes it to node.
// common/heap-size.ts says why Node's own sizing does not suit hopwatch.
import { totalmem } from 'node:os';
import { memoryLimitOf, oldSpaceFor } from '../dist/common/heap-size.js';

const limit = memoryLimitOf(process.constrainedMemory(), totalmem());
if (limit !== undefined) process.stdout.write(`--max-old-space-size=${oldSpaceFor(limit)}`);
