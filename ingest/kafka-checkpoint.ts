import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AtomicFile } from '../common/atomic-file.js';
import { readJsonFile } from '../common/json-file.js';
import { findingSchema } from '../schemas/finding.js';
import { incidentSchema } from '../schemas/incident.js';

const checkpointVersion = 1;

/** Next offset to read (the last one consumed + 1) per topic and partition, as Kafka commits it. */
const offsetsSchema = z.record(z.string(), z.record(z.string(), z.string().regex(/^\d+$/)));
export type CheckpointOffsets = z.infer<typeof offsetsSchema>;

const checkpointSchema = z.object({
  version: z.literal(checkpointVersion),
  groupId: z.string(),
  writtenAt: z.number(),
  offsets: offsetsSchema,
  /** The detection engine after exactly the records below `offsets` (and the idle watermark moves among them). */
  engine: z.unknown(),
  /** The order log that follows this checkpoint (absent in checkpoints written before there was one). */
  orderLog: z.number().int().nonnegative().optional(),
  /**
   * Findings held for this checkpoint, by versions that published findings only at checkpoints; they
   * are published on start. Findings now go out when raised, so this is empty in checkpoints written since.
   */
  findings: z.array(findingSchema).default([]),
  incidents: z.array(incidentSchema).default([]),
});
export type KafkaCheckpoint = z.infer<typeof checkpointSchema>;

export const checkpointFileName = 'kafka-checkpoint.json';

export function checkpointPath(dataDir: string): string {
  return join(dataDir, checkpointFileName);
}

export type CheckpointRead = { ok: true; checkpoint: KafkaCheckpoint | null } | { ok: false; reason: string };

/** The checkpoint in `file`; null when there is none yet. */
export async function readCheckpoint(file: string): Promise<CheckpointRead> {
  let value: unknown;
  try {
    value = await readJsonFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, checkpoint: null };
    if (error instanceof SyntaxError) return { ok: false, reason: `${file}: not JSON` };
    return { ok: false, reason: `${file}: ${(error as Error).message}` };
  }
  const parsed = checkpointSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: `${file}: ${parsed.error.issues[0]?.message}` };
  return { ok: true, checkpoint: parsed.data };
}

export type CheckpointFields = Omit<KafkaCheckpoint, 'version' | 'engine' | 'findings' | 'incidents'>;

/**
 * Writes the checkpoint atomically (see AtomicFile), the engine state handed to `writeEngine`'s
 * callback as JSON slices; returns its size in bytes.
 */
export async function writeCheckpoint(
  file: string,
  checkpoint: CheckpointFields,
  writeEngine: (write: (slice: string) => Promise<void>) => Promise<void>,
): Promise<number> {
  const out = await AtomicFile.open(file);
  try {
    await out.write('{"engine":');
    await writeEngine((slice) => out.write(slice));
    const rest = JSON.stringify({ version: checkpointVersion, ...checkpoint });
    await out.write(`,${rest.slice(1)}`);
  } catch (error) {
    await out.abort();
    throw error;
  }
  return out.commit();
}

/**
 * The checkpoint to resume from, or null: none yet, unreadable, or written for another consumer group
 * (its offsets would mean nothing here). Refusing it costs the open windows, not records: consumption
 * then starts at the group's committed offsets.
 */
export async function loadCheckpoint(
  dataDir: string,
  groupId: string,
  logger: Logger,
): Promise<KafkaCheckpoint | null> {
  const file = checkpointPath(dataDir);
  const read = await readCheckpoint(file);
  if (!read.ok) {
    logger.warn(
      { reason: read.reason },
      'ignoring the Kafka checkpoint: starting with empty windows at the committed offsets',
    );
    return null;
  }
  if (read.checkpoint !== null && read.checkpoint.groupId !== groupId) {
    logger.warn(
      { file, checkpointGroup: read.checkpoint.groupId, groupId },
      'ignoring the Kafka checkpoint of another consumer group',
    );
    return null;
  }
  return read.checkpoint;
}
