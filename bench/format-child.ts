/**
 * Cases 1 and 2 for one format, in a process of its own holding only that format's corpus (as users
 * run hopwatch): in the bench's process every garbage collection also marked the other formats'
 * corpora, which weighed on each rate by an amount that depended on the order the formats ran in.
 * `format-child.js FORMAT RATE WARMUPS RUNS` prints the corpus's size and both results as one JSON line.
 */
import { normalizeCase } from './normalize-case.js';
import { pipelineCase } from './pipeline-case.js';
import { type BenchFormat, benchFormats, formatCorpus, scenarioRuns } from './traffic.js';

const [format, rate, warmups, runs] = process.argv.slice(2);
if (!benchFormats.includes(format as BenchFormat)) throw new Error(`format-child: unknown format ${format}`);
const corpus = formatCorpus(format as BenchFormat, [...scenarioRuns(9, Number(rate))]);
const repeat = { warmups: Number(warmups), runs: Number(runs) };
const normalize = await normalizeCase(corpus, repeat);
const pipeline = await pipelineCase(corpus, normalize.value, repeat);
process.stdout.write(
  `${JSON.stringify({ records: corpus.lines.length, hops: corpus.hops, normalize, pipeline })}\n`,
);
