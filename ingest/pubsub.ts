import { z } from 'zod';
import { parsedOrUndefined } from '../common/json.js';
import { nonBlankLines } from './lines.js';

/**
 * A Pub/Sub push request (the wrapped payload, the default): one message, its data in base64. A Cloud
 * Logging sink publishes each log entry as a message of its own.
 */
export const pushRequestSchema = z.object({
  message: z.object({
    data: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
    messageId: z.string().min(1),
    publishTime: z.string().optional(),
  }),
  subscription: z.string().min(1),
});

export type PushRequest = z.infer<typeof pushRequestSchema>;

/**
 * The records a pushed message carries: its data as one record when it is one JSON document (a log
 * entry, however it is laid out), else each of its lines; none for a message of attributes only.
 */
export function pushedRecords(request: PushRequest): string[] {
  const { data } = request.message;
  if (data === undefined) return [];
  const text = Buffer.from(data, 'base64').toString('utf8');
  const lines = nonBlankLines(text);
  // Only text over several lines is parsed here, to tell a laid-out document from lines; the pipeline parses each record anyway.
  return lines.length > 1 && parsedOrUndefined(text) !== undefined ? [text] : lines;
}
