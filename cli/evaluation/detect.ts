import { createReadStream } from 'node:fs';
import type { EngineConfig } from '../../detectors/engine.js';
import { createDetectionEngine } from '../../detectors/engine.js';
import { readLines } from '../../ingest/lines.js';
import { defaultMaxRecordBytes, normalizeRecord } from '../../ingest/normalize.js';
import type { Finding } from '../../schemas/finding.js';
import type { HopEvent } from '../../schemas/hop-event.js';

export type DecodedFile = {
  path: string;
  records: number;
  events: HopEvent[];
  /** Records no adapter could read, by reason (reasons never quote the record). */
  rejected: Map<string, number>;
  formats: Map<string, number>;
};

/** Reads a traffic file line by line through the format adapters (`auto` detects per record). */
export async function decodeFile(path: string, format = 'auto'): Promise<DecodedFile> {
  const decoded: DecodedFile = { path, records: 0, events: [], rejected: new Map(), formats: new Map() };
  const lines = readLines(createReadStream(path), { file: path, maxLineBytes: defaultMaxRecordBytes });
  for await (const { line, overflowBytes } of lines) {
    if (overflowBytes === undefined && line.trim() === '') continue;
    decoded.records += 1;
    const result =
      overflowBytes === undefined
        ? normalizeRecord(line, { format })
        : { ok: false as const, reason: `record is longer than ${defaultMaxRecordBytes} bytes` };
    if (!result.ok) {
      decoded.rejected.set(result.reason, (decoded.rejected.get(result.reason) ?? 0) + 1);
      continue;
    }
    decoded.formats.set(result.format, (decoded.formats.get(result.format) ?? 0) + 1);
    for (const event of result.events) decoded.events.push(event);
  }
  return decoded;
}

/** The findings the detection engine raises over `events` in file order, every window closed at the end. */
export function detectFindings(events: readonly HopEvent[], config: EngineConfig): Finding[] {
  const findings: Finding[] = [];
  const sink = { hop: () => {}, finding: (finding: Finding) => findings.push(finding) };
  const engine = createDetectionEngine(config, sink, { now: Date.now });
  for (const event of events) engine.observe(event);
  engine.flush();
  return findings;
}
