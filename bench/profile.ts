import { Session } from 'node:inspector/promises';
import { childResult } from './child.js';

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
};

export type Frame = { name: string; where: string; selfShare: number };

/**
 * Runs `work` under the V8 sampling profiler (what `node --cpu-prof` records) and returns the
 * functions that took the most self time, as shares of all samples.
 */
export async function topFrames(work: () => Promise<unknown>, count: number): Promise<Frame[]> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    await work();
    const { profile } = await session.post('Profiler.stop');
    return summarize(profile.nodes as ProfileNode[], count);
  } finally {
    session.disconnect();
  }
}

function summarize(nodes: readonly ProfileNode[], count: number): Frame[] {
  const byFunction = new Map<string, { name: string; where: string; hits: number }>();
  let total = 0;
  for (const node of nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/dist\//, '').replace(/^file:\/\//, '');
    const where = file === '' ? '(native)' : `${file}:${lineNumber + 1}`;
    const key = `${functionName}@${where}`;
    const entry = byFunction.get(key) ?? { name: functionName || '(anonymous)', where, hits: 0 };
    entry.hits += hits;
    byFunction.set(key, entry);
  }
  return [...byFunction.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, count)
    .map((entry) => ({ name: entry.name, where: entry.where, selfShare: entry.hits / Math.max(1, total) }));
}

/** The frames of canonical pipeline passes over the corpus of `rate`, most samples first, profiled in a child process (profile-child.ts). */
export function pipelineProfile(rate: number): Promise<Frame[]> {
  return childResult(new URL('./profile-child.js', import.meta.url), [String(rate)]);
}
