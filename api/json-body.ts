import { jsonDocumentRecords } from '../ingest/json-array.js';
import type { NdjsonLine, NdjsonReadOptions, NdjsonReadResult } from './ndjson.js';
import { readWholeBody } from './whole-body.js';

/**
 * Reads a JSON body, as shippers send `application/json`: an array of records (Vector's http sink
 * with the json codec, Fluent Bit's `format json`) or one record (an OTLP/JSON export). It cannot be
 * split before it is parsed, so it is read whole, within the same byte limit as NDJSON, then handed
 * over in batches as lines are. An array's elements are numbered from 1 in place of lines, and a
 * string element is a log line as it is. A body that does not parse, or is not an array, is one
 * record: the pipeline then judges it, and keeps it as a dead letter with its reason if it must.
 */
export async function readJsonBody(
  body: AsyncIterable<Buffer | string>,
  options: NdjsonReadOptions,
  onBatch: (records: NdjsonLine[]) => Promise<void>,
): Promise<NdjsonReadResult> {
  const whole = await readWholeBody(body, options.maxBytes);
  if (!whole.ok) return { ok: false, reason: 'too_large', bytes: whole.bytes, lines: 0 };
  const records = recordsOf(whole.bytes.toString('utf8'));
  for (let start = 0; start < records.length; start += options.batchLines) {
    await onBatch(records.slice(start, start + options.batchLines));
  }
  return { ok: true, bytes: whole.bytes.length, lines: records.length };
}

function recordsOf(body: string): NdjsonLine[] {
  return jsonDocumentRecords(body).map((text, index) => ({ line: index + 1, text }));
}
