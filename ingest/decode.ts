import type { Logger } from 'pino';
import type { CallerHint } from '../schemas/caller-hint.js';
import { type NormalizeResult, normalizeRecord } from './normalize.js';
import type { RawRecord } from './source.js';

/** How records are decoded, from the configuration: what a source's lane hands its sources. */
export type DecodeSettings = { maxRecordBytes?: number; maxFutureMs?: number; callerHint?: CallerHint };

/** The decode settings the configuration gives (lineage.callerHint, detectors.maxFutureMs). */
export function decodeSettingsOf(config: {
  lineage: { callerHint?: CallerHint };
  detectors: { maxFutureMs: number };
}): DecodeSettings {
  return { callerHint: config.lineage.callerHint, maxFutureMs: config.detectors.maxFutureMs };
}

/** A record decoded but not yet seen by the detection engine. */
export type DecodedRecord = { record: RawRecord; decoded: NormalizeResult };

/**
 * A split pipeline's watermark mark (formats/resolved-hop.ts): it carries no hop. Marks come each
 * second whatever the traffic, so they count neither as records received nor as consumption.
 */
export function isWatermarkMark({ decoded }: DecodedRecord): boolean {
  return decoded.ok && decoded.upstream !== undefined;
}

/**
 * Decodes one raw record into hops. normalizeRecord never throws on input; if a bug makes it throw
 * anyway, the record is rejected and the rest of the batch goes on. The reason stays generic: an
 * exception may quote input.
 */
export function decodeRecord(
  record: RawRecord,
  receivedAt: number,
  logger: Logger,
  settings: DecodeSettings,
): DecodedRecord {
  const { origin } = record;
  try {
    const decoded = normalizeRecord(record.raw, {
      format: record.format,
      origin: { topic: origin.topic, partition: origin.partition, offset: origin.offset },
      now: receivedAt,
      maxRecordBytes: settings.maxRecordBytes,
      maxFutureMs: settings.maxFutureMs,
      callerHint: settings.callerHint,
      traceId: record.traceId,
    });
    return { record, decoded };
  } catch (error) {
    logger.error({ err: error, format: record.format }, 'decoding a record failed');
    const reason = 'decoding failed on this record (see the hopwatch log)';
    return { record, decoded: { ok: false, reason, format: record.format } };
  }
}

/**
 * The earliest event time of a decoded record; a watermark mark sorts at its watermark (where its task
 * had got to), and a record that failed to decode sorts first.
 */
export function eventTimeOf({ decoded }: DecodedRecord): number {
  if (!decoded.ok) return Number.NEGATIVE_INFINITY;
  if (decoded.upstream !== undefined) return decoded.upstream.watermark;
  let earliest = Number.POSITIVE_INFINITY;
  for (const event of decoded.events) if (event.ts < earliest) earliest = event.ts;
  return earliest === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : earliest;
}
