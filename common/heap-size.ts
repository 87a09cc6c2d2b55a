/**
 * V8's heap limit against the process's memory limit (a container's or a systemd unit's cgroup).
 * Node sizes the heap at about half a cgroup limit, and at most about 2.2 GB (1,216 MiB of 2 GiB,
 * 2,240 MiB of 8 GiB, on Node 20 with hopwatch's flags), but hopwatch's detection state is nearly all heap: a million
 * traces (1.05 GB of it) stopped the engine with "heap out of memory" in a 2 GiB cgroup they fit in
 * with a larger heap. A heap limit above the memory limit fails the other way: the kernel kills the
 * process before V8 collects what it could.
 */

/** Of the memory limit, what the heap may take; the rest is chDB, buffers, code and the collector's own. */
const heapShare = 0.75;
/** V8 adds three semi-spaces to the old generation: hopwatch's young generation (--max-semi-space-size=64). */
const youngGenerationMiB = 3 * 64;
const minimumOldSpaceMiB = 128;
const mib = 1024 ** 2;

/** The memory limit in bytes, or undefined when there is none below the machine's memory. */
export function memoryLimitOf(constrained: number | undefined, totalMemory: number): number | undefined {
  return constrained !== undefined && constrained > 0 && constrained < totalMemory ? constrained : undefined;
}

/** `--max-old-space-size` (MiB) for a memory limit: the whole heap at `heapShare` of it. */
export function oldSpaceFor(memoryLimit: number): number {
  return Math.max(minimumOldSpaceMiB, Math.floor((memoryLimit * heapShare) / mib) - youngGenerationMiB);
}

/**
 * What to tell the operator at start-up when the heap limit does not fit the memory limit (under
 * 60 % of it, or over 90 %), else undefined.
 */
export function heapLimitWarning(heapLimit: number, memoryLimit: number | undefined): string | undefined {
  if (memoryLimit === undefined) return undefined;
  const share = heapLimit / memoryLimit;
  if (share >= 0.6 && share <= 0.9) return undefined;
  const sizes = `V8's heap limit is ${Math.round(heapLimit / mib)} MiB in a memory limit of ${Math.round(memoryLimit / mib)} MiB`;
  const fix = `start node with --max-old-space-size=${oldSpaceFor(memoryLimit)} (NODE_OPTIONS works; the Docker image does it)`;
  return share < 0.6
    ? `${sizes}: the detection state lives in the heap and would run out of it long before the memory limit; ${fix}`
    : `${sizes}: the kernel would kill the process before V8 collects; ${fix}`;
}
