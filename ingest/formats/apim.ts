import { parsedOrUndefined } from '../../common/json.js';
import { type Credential, credentialOf, type HopEvent } from '../../schemas/hop-event.js';
import { headerReader, lowerCaseHeaderKeys, lowerCaseNames } from './headers.js';
import { draftToHop, type HopDraft, type RecordKey } from './hop.js';
import { isoToMs } from './time.js';
import {
  type AdapterContext,
  type AdapterResult,
  type FormatAdapter,
  type ParsedRecord,
  reject,
} from './types.js';
import { headerText, isObject, type JsonObject, numeric, text, urlParts } from './values.js';

/**
 * Azure API Management's GatewayLogs, as a diagnostic setting streams them to an Event Hub (or archives
 * them): one record a request, `properties` holding the request (sometimes as a JSON string), and
 * Azure Monitor's `{"records": [...]}` around a batch of them.
 */

const gatewayLogs = 'GatewayLogs';
const maxBatchSize = 10_000;

/** Request headers as an API's diagnostic settings log them (`Headers to log`), by lower-case name. */
const readHeaders = headerReader(lowerCaseHeaderKeys(['ocp-apim-subscription-key', 'x-api-key', 'api-key']));

/** The request's properties: an object, or (in older records) the same as a JSON string. */
function propertiesOf(record: JsonObject): JsonObject | undefined {
  const { properties } = record;
  const value = typeof properties === 'string' ? parsedOrUndefined(properties) : properties;
  return isObject(value) ? value : undefined;
}

/** The subscription whose key the caller presented (`master` is the built-in all-access one), else the developer account. */
function subscriptionOf(properties: JsonObject): Credential | undefined {
  const subscription = text(properties.apimSubscriptionId);
  if (subscription !== undefined)
    return credentialOf(`apim-subscription:${subscription}`, 'api_key', { subject: subscription });
  const user = text(properties.userId);
  return user === undefined ? undefined : credentialOf(`apim-user:${user}`, 'unknown', { subject: user });
}

function apimDraft(record: JsonObject): HopDraft | string {
  const properties = propertiesOf(record);
  if (properties === undefined) return 'properties is missing';
  const ts = isoToMs(text(record.time) ?? '');
  if (Number.isNaN(ts)) return 'time is missing or not an ISO 8601 time';
  const { authority, target } = urlParts(text(properties.url));
  const headers = lowerCaseNames(properties.requestHeaders ?? properties.RequestHeaders);
  const ip = text(record.callerIpAddress);
  return {
    ts,
    durationMs: numeric(record.durationMs),
    method: text(properties.method),
    target,
    authority,
    service: text(properties.apiId),
    route: text(properties.operationId),
    status: numeric(properties.responseCode),
    hopId: text(record.correlationId),
    requestId: text(record.correlationId),
    headers: readHeaders(headers),
    header: (name) => headerText(headers[name]),
    identity: { authenticated: subscriptionOf(properties), ip },
    ip,
    bytesIn: numeric(properties.requestSize),
    bytesOut: numeric(properties.responseSize),
  };
}

const isGatewayLog = (value: unknown): boolean =>
  isObject(value) &&
  (value.category === gatewayLogs || value.operationName === `Microsoft.ApiManagement/${gatewayLogs}`);

function categoriesOf(records: unknown[]): string {
  const names = new Set(
    records.map((record) => (isObject(record) ? String(record.category) : typeof record)),
  );
  return [...names].join(', ');
}

function hopOf(
  record: JsonObject,
  context: AdapterContext,
  key: RecordKey,
  index?: number,
): HopEvent | string {
  const draft = apimDraft(record);
  return typeof draft === 'string' ? draft : draftToHop(draft, context, key, index);
}

function toHopEvents(record: ParsedRecord, context: AdapterContext): AdapterResult {
  if (record.kind !== 'json' || !isObject(record.value))
    return reject('an API Management log record must be a JSON object');
  const key: RecordKey = { raw: record.raw };
  const { records } = record.value;
  if (!Array.isArray(records)) {
    const hop = hopOf(record.value, context, key);
    return typeof hop === 'string' ? reject(`apim: ${hop}`) : { ok: true, events: [hop] };
  }
  if (records.length > maxBatchSize)
    return reject(`apim: batch of ${records.length} records is above ${maxBatchSize}`);
  const events: HopEvent[] = [];
  // Other categories a diagnostic setting sends along (WebSocketConnectionLogs, …) are no requests.
  for (let index = 0; index < records.length; index++) {
    const entry = records[index];
    if (!isGatewayLog(entry)) continue;
    const hop = hopOf(entry as JsonObject, context, key, index);
    if (typeof hop === 'string') return reject(`apim: record ${index}: ${hop}`);
    events.push(hop);
  }
  if (events.length === 0)
    return reject(`apim: no GatewayLogs record in the batch (categories: ${categoriesOf(records)})`);
  return { ok: true, events };
}

/** Azure API Management's GatewayLogs: a record, or Azure Monitor's `{"records": [...]}` batch of them. */
export const apim: FormatAdapter = {
  name: 'apim',
  signature: 'a JSON object with `category: GatewayLogs` (Azure API Management), or `records` holding them',
  detect: (record) =>
    record.kind === 'json' &&
    isObject(record.value) &&
    (isGatewayLog(record.value) ||
      (Array.isArray(record.value.records) && record.value.records.some(isGatewayLog))),
  toHopEvents,
};
