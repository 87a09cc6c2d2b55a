import { type Credential, credentialOf, type HopEvent } from '../../schemas/hop-event.js';
import { headerReader, lowerCaseHeaderKeys } from './headers.js';
import { draftToHop, type HopDraft, type RecordKey } from './hop.js';
import { epochToMs } from './time.js';
import {
  type AdapterContext,
  type AdapterResult,
  type FormatAdapter,
  type ParsedRecord,
  reject,
} from './types.js';
import { headerText, isObject, type JsonObject, numeric, text, timeValue } from './values.js';

const maxBatchSize = 10_000;

function objectAt(record: JsonObject, key: string): JsonObject {
  const value = record[key];
  return isObject(value) ? value : {};
}

/**
 * The Kong Consumer as a credential: `kong-consumer:<username, custom_id or id>`. Kong does not say
 * which auth plugin ran; an OAuth2 credential (client_id) or a bearer token means an OAuth client,
 * anything else (key-auth, basic-auth) a static key.
 */
function consumerCredential(entry: JsonObject, authorization: string | undefined): Credential | undefined {
  const consumer = objectAt(entry, 'consumer');
  const name = text(consumer.username) ?? text(consumer.custom_id) ?? text(consumer.id);
  if (name === undefined) return undefined;
  const entity = objectAt(entry, 'authenticated_entity');
  const oauth = entity.client_id !== undefined || authorization?.toLowerCase().startsWith('bearer ') === true;
  return credentialOf(`kong-consumer:${name}`, oauth ? 'oauth_client' : 'api_key', { subject: name });
}

/** Kong logs request headers under their lower-cased names; repeated headers become lists. */
const readHeaders = headerReader(lowerCaseHeaderKeys(['apikey', 'x-api-key']));

function kongDraft(entry: JsonObject): HopDraft | string {
  const startedAt = timeValue(entry.started_at);
  if (startedAt === undefined) return 'started_at is missing';
  const ts = epochToMs(startedAt);
  if (Number.isNaN(ts)) return 'started_at is not an epoch time';
  const request = objectAt(entry, 'request');
  const response = objectAt(entry, 'response');
  const requestHeaders = objectAt(request, 'headers');
  const headers = readHeaders(requestHeaders);
  const ip = text(entry.client_ip);
  return {
    ts,
    durationMs: numeric(objectAt(entry, 'latencies').request),
    method: text(request.method),
    target: text(request.uri),
    authority: headerText(requestHeaders.host),
    header: (name) => headerText(requestHeaders[name]),
    service: text(objectAt(entry, 'service').name) ?? text(objectAt(entry, 'service').host),
    route: text(objectAt(entry, 'route').name),
    status: numeric(response.status),
    grpcStatus: headerText(objectAt(response, 'headers')['grpc-status']),
    requestId: text(request.id) ?? headerText(requestHeaders['x-request-id']),
    hopId: text(request.id),
    headers,
    identity: {
      // key-auth also takes the key as a query parameter, which Kong logs in full.
      apiKey: text(objectAt(request, 'querystring').apikey),
      authenticated: consumerCredential(entry, headers.authorization),
      ip,
    },
    ip,
    bytesIn: numeric(request.size),
    bytesOut: numeric(response.size),
  };
}

function entryEvent(
  entry: unknown,
  context: AdapterContext,
  key: RecordKey,
  index?: number,
): HopEvent | string {
  if (!isObject(entry)) return 'a Kong log entry must be a JSON object';
  const draft = kongDraft(entry);
  return typeof draft === 'string' ? draft : draftToHop(draft, context, key, index);
}

function toHopEvents(record: ParsedRecord, context: AdapterContext): AdapterResult {
  if (record.kind !== 'json') return reject('a Kong log record must be JSON');
  const key: RecordKey = { raw: record.raw };
  if (!Array.isArray(record.value)) {
    const event = entryEvent(record.value, context, key);
    return typeof event === 'string' ? reject(`kong: ${event}`) : { ok: true, events: [event] };
  }
  if (record.value.length > maxBatchSize)
    return reject(`kong: batch of ${record.value.length} entries is above ${maxBatchSize}`);
  const events: HopEvent[] = [];
  for (let index = 0; index < record.value.length; index++) {
    const event = entryEvent(record.value[index], context, key, index);
    if (typeof event === 'string') return reject(`kong: batch entry ${index}: ${event}`);
    events.push(event);
  }
  return { ok: true, events };
}

function isKongEntry(value: unknown): boolean {
  return isObject(value) && 'started_at' in value && isObject(value.request);
}

/** Kong http-log / kafka-log / file-log payloads: one entry, or a batch (JSON array) of entries. */
export const kong: FormatAdapter = {
  name: 'kong',
  signature: 'a JSON object (or array of them) with `started_at` and a `request` object (Kong log plugins)',
  detect: (record) =>
    record.kind === 'json' &&
    (Array.isArray(record.value) ? isKongEntry(record.value[0]) : isKongEntry(record.value)),
  toHopEvents,
};
