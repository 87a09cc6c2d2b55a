/**
 * `npm run bench`: every case of issue 9 on generated traffic, each with its bare baseline measured
 * in the same run; writes bench/RESULTS.md and bench/results.json. Progress goes to stderr.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analysis } from './analysis.js';
import { Backlog } from './backlog.js';
import { benchBroker } from './broker.js';
import { childResult } from './child.js';
import { detectFileCase } from './detect-file-case.js';
import { kafkaCase } from './kafka-case.js';
import { latencyCaseAlone } from './latency-case.js';
import { progress } from './measure.js';
import { memoryCase } from './memory-case.js';
import { overloadCase } from './overload-case.js';
import { pipelineProfile } from './profile.js';
import { type CaseResult, caseResult, medianResult, writeResults } from './results.js';
import { stagesCase } from './stages-case.js';
import { storeCase } from './store-case.js';
import { benchFormats, formatCorpus, scenarioRuns } from './traffic.js';

const settings = {
  /** Background-agent multiplier of the per-format corpora (about 50,000 hops each). */
  corpusRate: 15,
  /** The same for the `hopwatch detect FILE` case: about 230,000 canonical records, 190 MB. */
  detectFileRate: 70,
  repeat: { warmups: 2, runs: 3 },
  /** Each format's normalize and pipeline cases run in this many processes, the median reported: the same code measured a fifth apart from one process to the next. */
  formatProcesses: 3,
  kafkaRecords: Number(process.env.BENCH_KAFKA_RECORDS ?? 2_000_000),
  /** Generated once, then repeated later in event time up to kafkaRecords. */
  backlogRate: 40,
  kafkaConsumeSeconds: 200,
  latencyEventsPerSecond: 10_000,
  latencySeconds: 120,
  /**
   * Through Kafka, at half the HTTP rate: with the broker and the producer on this 2-core machine too,
   * the consumer falls behind at 10,000 events/s (about 11,000 is all it does alone, see the Kafka case).
   */
  kafkaLatencyEventsPerSecond: 5_000,
  /** Records of the backlog whose resolved hops the detect stage takes, by one and by two instances. */
  stagesRecords: Number(process.env.BENCH_STAGES_RECORDS ?? 300_000),
  memoryTraces: 1_000_000,
  memoryCredentials: 100_000,
  storeFindings: 50_000,
  overloadSeconds: 60,
};

const started = performance.now();
const benchDir = join(dirname(fileURLToPath(import.meta.url)), '../../bench');
const results: CaseResult[] = [];
const notes: string[] = [];
const record = (...rows: CaseResult[]) => {
  for (const row of rows) {
    results.push(row);
    progress(
      `${row.name}: ${row.value} ${row.unit}${row.baseline === null ? '' : ` (baseline ${row.baseline})`}`,
    );
  }
};

type FormatCases = { records: number; hops: number; normalize: CaseResult; pipeline: CaseResult };
const sizes: string[] = [];
const pipelineSpreads: string[] = [];
for (const format of benchFormats) {
  progress(`normalize and pipeline, ${format}, in ${settings.formatProcesses} processes of its own`);
  const { repeat } = settings;
  const runs: FormatCases[] = [];
  for (let run = 0; run < settings.formatProcesses; run++) {
    runs.push(
      await childResult<FormatCases>(new URL('./format-child.js', import.meta.url), [
        format,
        String(settings.corpusRate),
        String(repeat.warmups),
        String(repeat.runs),
      ]),
    );
  }
  const normalize = medianResult(runs.map((run) => run.normalize));
  record(
    normalize,
    medianResult(
      runs.map((run) => run.pipeline),
      normalize.value,
    ),
  );
  const { records, hops } = runs[0]!;
  sizes.push(`${format} ${records.toLocaleString('en-US')} records / ${hops.toLocaleString('en-US')} hops`);
  const pipelines = runs.map((run) => run.pipeline.value);
  pipelineSpreads.push(
    `${format} ${Math.min(...pipelines).toLocaleString('en-US')}–${Math.max(...pipelines).toLocaleString('en-US')}`,
  );
}
notes.push(
  `Traffic: every scenario of \`hopwatch generate\` (background rate ×${settings.corpusRate}), written in each format: ${sizes.join(', ')}. Formats are auto-detected per record, as on a mixed Kafka topic. NGINX, Traefik and Istio-text lines come from bench/gateway-formats.ts; scenarios whose API keys Envoy or OTLP cannot name are left out of those formats.`,
  `Each format's normalize and pipeline figures are the medians of ${settings.formatProcesses} processes; the pipeline measured, process by process (events per CPU-second): ${pipelineSpreads.join(', ')}.`,
  "Normalize baseline: JSON.parse of the same lines (split on spaces for the Istio text line). Pipeline baseline: the normalize figure of the same format. Both are events per CPU-second (process.cpuUsage, which also counts the V8 GC threads, so it errs low), measured in a process of its own per format that holds only that corpus, started as users start hopwatch (until issue 14 continued, in the bench's process, which held all seven corpora): on this machine, shared with the test runs of other sessions, that is the per-core figure; wall-clock rates were up to 3× lower while others ran.",
);

progress('hopwatch detect FILE against bare parsing of the same file, in child processes');
const detectFile = await detectFileCase(
  formatCorpus('canonical', [...scenarioRuns(9, settings.detectFileRate)]),
  settings.repeat,
);
record(...detectFile.results);
notes.push(detectFile.note);
const frames = await pipelineProfile(settings.corpusRate);
record(
  caseResult({
    name: 'garbage collection, canonical pipeline profile',
    value: 100 * (frames.find((frame) => frame.name === '(garbage collector)')?.selfShare ?? 0),
    unit: '% of samples',
    higherIsBetter: false,
    target: 5,
  }),
);
notes.push(
  `CPU profile of five canonical pipeline passes, in a process of its own holding only that corpus (V8 sampling profiler, self time): ${frames
    .slice(0, 15)
    .map((frame) => `${frame.name} (${frame.where}) ${(frame.selfShare * 100).toFixed(1)} %`)
    .join('; ')}.`,
);

// Before any case opens chDB in this process: that engine's background work (merges of the store and
// latency cases' tables) would compete with the instance under test for the two cores.
progress(`overload: 4x the sustained HTTP ingest rate for ${settings.overloadSeconds} s`);
const overload = await overloadCase(settings.overloadSeconds);
record(...overload.results);
notes.push(overload.note);

progress('store');
const canonical = formatCorpus('canonical', [...scenarioRuns(9, settings.corpusRate)]);
record(...(await storeCase(canonical, settings.storeFindings, settings.repeat)));
notes.push(
  'Store: the hops are the resolved hops of the canonical corpus, written through the store writer in 2,000-row batches and flushed; findings are test fixtures of realistic width. The baseline copies the same number of rows inside chDB (`INSERT INTO twin SELECT * FROM table`), which is the engine without the writer’s encoding and the client, inserting with the writer’s settings (no deduplication on the way in).',
);

progress(
  `memory: ${settings.memoryTraces.toLocaleString('en-US')} traces, each run in a child process of its own`,
);
const memory = await memoryCase(settings.memoryTraces, settings.memoryCredentials, settings.repeat.runs);
record(...memory.results);
notes.push(memory.note);

progress(`latency: ${settings.latencyEventsPerSecond} events/s for ${settings.latencySeconds} s`);
const latency = await latencyCaseAlone(settings.latencyEventsPerSecond, settings.latencySeconds);
record(...latency.results);
notes.push(latency.note);

progress('kafka: starting a broker');
const broker = await benchBroker();
try {
  progress(`kafka: ${broker.description}; generating the backlog`);
  const backlog = new Backlog(11, settings.backlogRate);
  const kafka = await kafkaCase(broker.brokers, settings.kafkaRecords, backlog, settings.kafkaConsumeSeconds);
  record(...kafka.results);
  notes.push(...kafka.notes);
  const rate = settings.kafkaLatencyEventsPerSecond;
  progress(`latency through Kafka: ${rate} events/s for ${settings.latencySeconds} s`);
  const kafkaLatency = await latencyCaseAlone(rate, settings.latencySeconds, broker.brokers);
  record(...kafkaLatency.results);
  notes.push(kafkaLatency.note);
  progress(`stages: the detect stage, one and two instances, on ${settings.stagesRecords} records' hops`);
  const stages = await stagesCase(broker.brokers, backlog, settings.stagesRecords);
  record(...stages.results);
  notes.push(stages.note);
} finally {
  await broker.stop();
}

const wallSeconds = (performance.now() - started) / 1000;
writeResults(benchDir, results, notes, analysis, wallSeconds);
progress(`done in ${Math.round(wallSeconds)} s: bench/RESULTS.md, bench/results.json`);
