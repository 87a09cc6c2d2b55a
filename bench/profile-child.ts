/**
 * The CPU profile of canonical pipeline passes, in a process of its own (as users run hopwatch):
 * in the bench's process every garbage collection also marks the corpora and results it holds, which
 * inflates the collector's share. Five passes: a collection lands in one pass or not, and the shares of
 * a single one moved by several points. Prints every frame, most samples first, as one JSON line.
 */
import { pipelinePass } from './pipeline-case.js';
import { topFrames } from './profile.js';
import { formatCorpus, scenarioRuns } from './traffic.js';

const rate = Number(process.argv[2] ?? 15);
const corpus = formatCorpus('canonical', [...scenarioRuns(9, rate)]);
// Warmed up as the pipeline case is before it measures.
for (let pass = 0; pass < 2; pass++) await pipelinePass(corpus);
const profiledPasses = 5;
const frames = await topFrames(async () => {
  for (let pass = 0; pass < profiledPasses; pass++) await pipelinePass(corpus);
}, Number.POSITIVE_INFINITY);
process.stdout.write(`${JSON.stringify(frames)}\n`);
