import { createLogger } from '../common/logger.js';
import { decodeRecord } from '../ingest/decode.js';
import type { RawRecord } from '../ingest/source.js';
import type { Lane } from '../pipeline/lane.js';
import { benchConfig, benchPipeline, recordBatches } from './discard.js';
import { medianOf, perCpuSecond, type Repeat } from './measure.js';
import { type CaseResult, caseResult } from './results.js';
import type { BenchFormat, Corpus } from './traffic.js';

/** Pipeline targets of issue 14 (issue 9 asked 150k and 100k), in events/s on one core. */
const targets: Partial<Record<BenchFormat, number>> = {
  canonical: 100_000,
  'envoy-json': 60_000,
  kong: 60_000,
};

/** A Kafka fetch hands the pipeline batches of about this many records. */
export const batchSize = 500;

const silent = createLogger('silent');

/** Decodes each batch as a source does and submits it to the lane; all windows closed at the end. */
export async function submitAll(lane: Lane, batches: readonly RawRecord[][]): Promise<number> {
  let events = 0;
  for (const batch of batches) {
    const receivedAt = Date.now();
    const outcome = await lane.submit(
      batch.map((record) => decodeRecord(record, receivedAt, silent, lane.decoding)),
    );
    if (outcome.rejects.length > 0) throw new Error(`bench traffic rejected: ${outcome.rejects[0]!.reason}`);
    events += outcome.events;
  }
  await lane.drain();
  return events;
}

/** One pass of the corpus through a fresh pipeline (fresh engine state), events per CPU-second. */
export async function pipelinePass(corpus: Corpus): Promise<number> {
  const batches = recordBatches(corpus.lines, batchSize);
  const pipeline = await benchPipeline(benchConfig());
  let events = 0;
  const rate = await perCpuSecond(corpus.hops, async () => {
    events = await submitAll(pipeline.lane('bench'), batches);
  });
  if (events !== corpus.hops) throw new Error(`bench: ${events} events of ${corpus.hops} went through`);
  return rate;
}

/**
 * Case 2: normalize → lineage → the four detectors, findings and hops discarded, on one core; the
 * baseline is case 1's normalize figure for the same format, the upper bound of the whole pipeline.
 */
export async function pipelineCase(corpus: Corpus, normalized: number, repeat: Repeat): Promise<CaseResult> {
  const value = await medianOf(repeat, () => pipelinePass(corpus));
  return caseResult({
    name: `pipeline ${corpus.format}`,
    value,
    unit: 'events/s',
    baseline: normalized,
    target: targets[corpus.format] ?? null,
  });
}
