import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { progress } from './measure.js';
import { normalizeCase } from './normalize-case.js';
import { pipelineCase, pipelinePass } from './pipeline-case.js';
import { topFrames } from './profile.js';
import { type CaseResult, writeResults } from './results.js';
import { benchFormats, formatCorpus, scenarioRuns } from './traffic.js';

const started = performance.now();
const benchDir = join(dirname(fileURLToPath(import.meta.url)), '../../bench');
const results: CaseResult[] = [];
const notes: string[] = [];
const repeat = { warmups: 1, runs: 5 };

progress('generating scenario traffic');
const runs = [...scenarioRuns(9, Number(process.env.BENCH_RATE ?? 15))];
const corpora = benchFormats.map((format) => formatCorpus(format, runs));
for (const corpus of corpora)
  progress(`${corpus.format}: ${corpus.lines.length} records, ${corpus.hops} hops`);

for (const corpus of corpora) {
  const normalized = await normalizeCase(corpus, repeat);
  results.push(normalized);
  progress(`${normalized.name}: ${normalized.value} events/s (bare ${normalized.baseline})`);
  const pipelined = await pipelineCase(corpus, normalized.value, repeat);
  results.push(pipelined);
  progress(`${pipelined.name}: ${pipelined.value} events/s`);
}
const canonical = corpora[0]!;
const frames = await topFrames(() => pipelinePass(canonical), 15);
notes.push(
  `CPU profile of the canonical pipeline pass (self time): ${frames
    .map((frame) => `${frame.name} (${frame.where}) ${(frame.selfShare * 100).toFixed(1)}%`)
    .join('; ')}.`,
);
progress(notes.at(-1)!);
writeResults(benchDir, results, notes, (performance.now() - started) / 1000);
