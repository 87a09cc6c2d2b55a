import { envoyJsonDraft } from './envoy-json.js';
import { envoyTextDraft, looksLikeEnvoyText } from './envoy-text.js';
import { draftToHop } from './hop.js';
import {
  type AdapterContext,
  type AdapterResult,
  type FormatAdapter,
  type ParsedRecord,
  reject,
} from './types.js';
import { isObject } from './values.js';

function toHopEvents(record: ParsedRecord, context: AdapterContext): AdapterResult {
  let draft: ReturnType<typeof envoyJsonDraft>;
  if (record.kind === 'text') draft = envoyTextDraft(record.raw);
  else if (isObject(record.value)) draft = envoyJsonDraft(record.value);
  else return reject('an Envoy JSON access log record must be a JSON object');
  if (typeof draft === 'string') return reject(`envoy: ${draft}`);
  return { ok: true, events: [draftToHop(draft, context, { raw: record.raw })] };
}

/** Envoy and Istio access logs: JSON (Istio, Envoy Gateway, hopwatch's json_format) and the default text formats. */
export const envoy: FormatAdapter = {
  name: 'envoy',
  signature: 'a JSON object with `start_time` and `response_code`, or a line in Envoy’s default text format',
  detect: (record) =>
    record.kind === 'text'
      ? looksLikeEnvoyText(record.raw)
      : isObject(record.value) && 'start_time' in record.value && 'response_code' in record.value,
  toHopEvents,
};
