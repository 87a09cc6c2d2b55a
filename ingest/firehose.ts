import { gunzipSync } from 'node:zlib';
import { isObject, parsedOrUndefined } from '../common/json.js';
import { nonBlankLines } from './lines.js';

/**
 * The records of an Amazon Data Firehose HTTP endpoint delivery: each is base64 bytes. API Gateway's
 * access logs sent straight to a Firehose stream arrive as their lines; a CloudWatch Logs subscription
 * through Firehose arrives as gzip'd JSON messages holding log events, whose messages are the lines.
 */

const gzipMagic = [0x1f, 0x8b] as const;

/** A CloudWatch Logs subscription message: its log events' messages (a control message holds none). */
function subscriptionLines(text: string): string[] | undefined {
  const message = parsedOrUndefined(text);
  if (!isObject(message) || typeof message.messageType !== 'string') return undefined;
  if (message.messageType !== 'DATA_MESSAGE' || !Array.isArray(message.logEvents)) return [];
  return message.logEvents.flatMap((event: unknown) =>
    isObject(event) && typeof event.message === 'string' ? nonBlankLines(event.message) : [],
  );
}

/**
 * The lines one delivered record carries. Throws, saying why, when a gzip'd record does not inflate
 * within `maxBytes` (the message never quotes the record).
 */
export function firehoseRecordLines(data: string, maxBytes: number): string[] {
  const bytes = Buffer.from(data, 'base64');
  if (bytes[0] !== gzipMagic[0] || bytes[1] !== gzipMagic[1]) return nonBlankLines(bytes.toString('utf8'));
  let inflated: string;
  try {
    inflated = gunzipSync(bytes, { maxOutputLength: maxBytes }).toString('utf8');
  } catch (error) {
    throw new Error(`a gzip'd record does not inflate within ${maxBytes} bytes: ${(error as Error).message}`);
  }
  return subscriptionLines(inflated) ?? nonBlankLines(inflated);
}
