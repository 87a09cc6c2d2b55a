import { z } from 'zod';
import {
  countHistorySchema,
  countsSchema,
  idleMapSnapshotSchema,
  sampledSchema,
  windowsSnapshotSchema,
} from '../snapshot-schemas.js';

const savedWindowSchema = z.object({
  subject: z.enum(['origin', 'credential']),
  id: z.string(),
  requests: z.number(),
  related: countsSchema,
  traces: z.array(sampledSchema),
  sample: z.array(sampledSchema),
  late: z.number(),
});

const authSnapshotSchema = z.object({
  windows: windowsSnapshotSchema(
    z.object({
      credential: z.string(),
      failures: z.number(),
      statuses: countsSchema,
      targets: countsSchema,
      origins: countsSchema,
      traces: z.array(sampledSchema),
      sample: z.array(sampledSchema),
      late: z.number(),
    }),
  ),
  suppressed: idleMapSnapshotSchema(z.number()),
});

export const rateSnapshotSchema = z.object({
  windows: windowsSnapshotSchema(savedWindowSchema),
  history: idleMapSnapshotSchema(countHistorySchema),
  auth: authSnapshotSchema,
});

export type RateSnapshot = z.infer<typeof rateSnapshotSchema>;
export type AuthSnapshot = z.infer<typeof authSnapshotSchema>;
