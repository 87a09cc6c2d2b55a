import { openInputFile, readLines } from '../../ingest/lines.js';
import { defaultMaxRecordBytes, holdsSeveralTraces, normalizeRecord } from '../../ingest/normalize.js';
import type { HopEvent } from '../../schemas/hop-event.js';
import { splitOtlpByTrace } from './split-traces.js';

/** One raw record on its way out, with what replay needs to pace and key it. */
export type ReplayRecord = {
  raw: string;
  file: string;
  line: number;
  /** Earliest event time in the record; undefined when no adapter can read it (it is sent as is). */
  ts?: number;
  /** Latest event time in the record (an OTLP export holds many spans). */
  lastTs?: number;
  /**
   * The Kafka key, so that what lineage judges together stays in one partition: the trace id of its
   * first event, else its MCP session, else its request id (both sidecars' records of one request).
   */
  key?: string;
  format?: string;
  /** The export's place among those its line was split into, after the first (progress counts lines). */
  part?: number;
};

/**
 * The records of a traffic file in file order. Each is decoded once with the real adapters, only
 * to learn its event time and trace; the raw text is what gets replayed. An OTLP export holding spans
 * of several traces is replayed as one export per trace (see splitOtlpByTrace), keyed by its trace.
 */
export async function* readReplayRecords(file: string): AsyncGenerator<ReplayRecord> {
  const lines = readLines(openInputFile(file), { file, maxLineBytes: defaultMaxRecordBytes });
  for await (const { line, lineNumber, overflowBytes } of lines) {
    if (overflowBytes !== undefined || line.trim() === '') continue;
    const decoded = normalizeRecord(line);
    if (!decoded.ok || decoded.events.length === 0) {
      yield { raw: line, file, line: lineNumber };
      continue;
    }
    if (decoded.format !== 'otlp' || !holdsSeveralTraces(decoded.events)) {
      yield timedRecord(line, file, lineNumber, decoded.format, decoded.events);
      continue;
    }
    const parts = splitOtlpByTrace(JSON.parse(line) as Record<string, unknown>);
    for (const [part, { traceId, export: exported }] of parts.entries()) {
      const events = decoded.events.filter((event) => event.traceId === traceId);
      const record = timedRecord(JSON.stringify(exported), file, lineNumber, decoded.format, events);
      if (part > 0) record.part = part;
      yield record;
    }
  }
}

/** A record with the event times and the key of `events` (its own). */
function timedRecord(
  raw: string,
  file: string,
  line: number,
  format: string,
  events: HopEvent[],
): ReplayRecord {
  let ts = Number.POSITIVE_INFINITY;
  let lastTs = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    if (event.ts < ts) ts = event.ts;
    if (event.ts > lastTs) lastTs = event.ts;
  }
  const record: ReplayRecord = { raw, file, line, ts, lastTs, format };
  const first = events[0];
  // Without trace context, lineage groups an MCP session's calls, and a request's observations.
  const key = first?.traceId ?? first?.sessionId ?? first?.requestId;
  if (key !== undefined) record.key = key;
  return record;
}

/** Non-blank lines of a file: the progress bar's total. */
export async function countRecords(file: string): Promise<number> {
  let count = 0;
  for await (const { line, overflowBytes } of readLines(openInputFile(file), {
    file,
    maxLineBytes: defaultMaxRecordBytes,
  })) {
    if (overflowBytes !== undefined || line.trim() !== '') count += 1;
  }
  return count;
}

/** The earliest and latest event time of a file; undefined when no record of it has a readable time. */
export async function fileSpan(file: string): Promise<{ first: number; last: number } | undefined> {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for await (const record of readReplayRecords(file)) {
    if (record.ts === undefined || record.lastTs === undefined) continue;
    first = Math.min(first, record.ts);
    last = Math.max(last, record.lastTs);
  }
  return Number.isFinite(first) ? { first, last } : undefined;
}
