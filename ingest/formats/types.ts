import type { CallerHint } from '../../schemas/caller-hint.js';
import type { HopEvent, HopOrigin } from '../../schemas/hop-event.js';
import type { UpstreamTag } from '../../schemas/resolved-hop.js';
import type { Identity } from '../identity/credential.js';
import type { HopDraft } from './hop.js';

/** One raw record, parsed once by the caller: JSON when it parses as JSON, text otherwise. */
export type ParsedRecord = { kind: 'json'; value: unknown; raw: string } | { kind: 'text'; raw: string };

/** What an adapter knows about where the record came from; adapters read no clock and no config. */
export type AdapterContext = {
  origin: HopOrigin;
  /** Shown each draft and the identity decided for it (`hopwatch explain`); absent on the hot path. */
  onDraft?: (draft: HopDraft, identity: Identity) => void;
  /** Where to find the caller's name when nothing stronger names it (configuration: lineage.callerHint). */
  callerHint?: CallerHint;
};

/** `upstream`: the record is a split pipeline's watermark mark, which holds no hop (formats/resolved-hop.ts). */
export type AdapterResult =
  | { ok: true; events: HopEvent[]; upstream?: UpstreamTag }
  | { ok: false; reason: string };

/** One log format: a cheap detection predicate and a pure mapping from one record to hops. */
export type FormatAdapter = {
  name: string;
  /** What `detect` looks for, in words (`hopwatch explain`). */
  signature: string;
  /** Looks at a few keys or the first characters only; used for `format: auto`. */
  detect(record: ParsedRecord): boolean;
  toHopEvents(record: ParsedRecord, context: AdapterContext): AdapterResult;
};

export function reject(reason: string): AdapterResult {
  return { ok: false, reason };
}
