import type { Logger } from '../common/logger.js';
import { trimmed } from '../common/text.js';
import { detectorNames } from '../detectors/index.js';
import { type DecodedRecord, type DecodeSettings, decodeRecord } from '../ingest/decode.js';
import { type InputLine, inputLines, withLogRecordLines } from '../ingest/lines.js';
import { autoFormat, defaultMaxRecordBytes } from '../ingest/normalize.js';
import type { Lane } from './lane.js';

export type DetectionSummary = {
  records: number;
  events: number;
  rejected: number;
  /** Rejected records per reason, with where the first one was. */
  rejections: Array<{ reason: string; count: number; first: string }>;
  findingsByDetector: Record<string, number>;
  lateEvents: number;
  duplicateHops: number;
  mergedObservations: number;
  evictedTraces: number;
  /** Per detector. */
  windowsClosedEarly: Record<string, number>;
};

const distinctReasonsKept = 20;
const batchLines = 500;

/**
 * Lines of files (or stdin) → one lane of the pipeline, in batches, then every window closed at end of
 * input. Where hops and findings go is the pipeline's sinks (stdout for `detect`, the store with
 * `--store`, memory for `evaluate`).
 */
export async function detectFiles(
  files: readonly string[],
  lane: Lane,
  options: { format?: string; logger: Logger },
): Promise<DetectionSummary> {
  const rejections = new Map<string, { count: number; first: string }>();
  let batch: InputLine[] = [];
  const submit = async () => {
    const receivedAt = Date.now();
    const inputs = withLogRecordLines(batch);
    const records = inputs.map((input) =>
      decodeLine(input, options.format, receivedAt, options.logger, lane.decoding),
    );
    const outcome = await lane.submit(records);
    for (const { index, reason } of outcome.rejects) {
      const { file, lineNumber } = inputs[index]!;
      noteRejection(rejections, reason, `${file ?? 'stdin'}:${lineNumber}`);
    }
    batch = [];
  };
  for await (const lines of inputLines(files)) {
    for (const input of lines) {
      if (input.overflowBytes === undefined && trimmed(input.line).length === 0) continue;
      batch.push(input);
      if (batch.length >= batchLines) await submit();
    }
  }
  await submit();
  await lane.drain();
  const { counters } = lane;
  const stats = lane.engineStats();
  return {
    records: counters.recordsReceived,
    events: Object.values(counters.eventsIngested).reduce((sum, count) => sum + count, 0),
    rejected: counters.recordsRejected,
    rejections: [...rejections].map(([reason, { count, first }]) => ({ reason, count, first })),
    findingsByDetector: stats.findingsByDetector,
    lateEvents: stats.lateEvents,
    duplicateHops: stats.duplicateHops,
    mergedObservations: stats.mergedObservations,
    evictedTraces: stats.evictedTraces,
    windowsClosedEarly: stats.windowsClosedEarly,
  };
}

function decodeLine(
  input: InputLine,
  format: string | undefined,
  receivedAt: number,
  logger: Logger,
  decoding: DecodeSettings,
): DecodedRecord {
  const record = {
    raw: input.line,
    format: format === autoFormat ? undefined : format,
    origin: { source: 'file' as const, line: input.lineNumber },
    traceId: input.traceId,
  };
  if (input.overflowBytes === undefined) return decodeRecord(record, receivedAt, logger, decoding);
  return { record, decoded: { ok: false, reason: `line longer than ${defaultMaxRecordBytes} bytes` } };
}

function noteRejection(
  rejections: Map<string, { count: number; first: string }>,
  reason: string,
  where: string,
): void {
  const known = rejections.get(reason);
  if (known !== undefined) known.count++;
  else if (rejections.size < distinctReasonsKept) rejections.set(reason, { count: 1, first: where });
  else noteRejection(rejections, 'other reasons', where);
}

export function describeSummary(summary: DetectionSummary): string {
  const count = (name: string) => summary.findingsByDetector[name] ?? 0;
  const findings = detectorNames.reduce((sum, name) => sum + count(name), 0);
  const perDetector = detectorNames.map((name) => `${name} ${count(name)}`).join(', ');
  const lines = [
    `hopwatch detect: ${summary.records} records, ${summary.events} events, ${summary.rejected} rejected; ` +
      `${findings} findings (${perDetector}); ${summary.lateEvents} late, ${summary.duplicateHops} duplicate, ` +
      `${summary.mergedObservations} merged from another observation point, ` +
      `${summary.evictedTraces} traces evicted${describeEarlyCloses(summary.windowsClosedEarly)}`,
  ];
  for (const { reason, count, first } of summary.rejections) {
    lines.push(`  rejected ${count} × ${reason} (first at ${first})`);
  }
  return `${lines.join('\n')}\n`;
}

/** Said only when a detector judged windows early, so that a dense replay does not cut findings silently. */
function describeEarlyCloses(byDetector: Record<string, number>): string {
  const early = detectorNames.filter((name) => (byDetector[name] ?? 0) > 0);
  if (early.length === 0) return '';
  const total = early.reduce((sum, name) => sum + byDetector[name]!, 0);
  const each = early.map((name) => `${name} ${byDetector[name]}`).join(', ');
  return `, ${total} windows judged early (${each}; more open than detectors.maxOpenWindows)`;
}
