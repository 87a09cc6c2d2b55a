import type { BenignEntry, ScenarioLabels } from '../../evaluation/labels.js';
import type { Credential } from '../../schemas/hop-event.js';
import type { GeneratedScenario } from '../generate.js';
import type { ScenarioFormat } from '../traffic.js';
import { canonicalRecord } from './canonical.js';
import { envoyRecord, istioRecords } from './envoy.js';
import { renderedCredentialId } from './identity.js';
import { callerlessKongRecord, kongRecord } from './kong.js';
import { otlpPerTraceRecords, otlpRecords } from './otlp.js';

export type SerializedScenario =
  | { ok: true; records: string[]; labels: ScenarioLabels }
  | { ok: false; reason: string };

/**
 * The scenario's events as raw records of `format`, and its labels with the origin credential ids
 * that format's adapter derives (a Kong consumer, an OTLP calling service…), so that they still match.
 */
export function serializeScenario(generated: GeneratedScenario, format: ScenarioFormat): SerializedScenario {
  const credentials = new Map<string, Credential>();
  for (const event of generated.events) {
    if (!credentials.has(event.credential.id)) credentials.set(event.credential.id, event.credential);
  }
  for (const credential of credentials.values()) {
    if (renderedCredentialId(format, credential) === undefined) {
      return {
        ok: false,
        reason: `${format} records cannot name the ${credential.kind} credential of scenario ${generated.scenario.name} without logging the raw key; generate it as canonical or kong`,
      };
    }
  }
  const rename = (id: string): string => {
    const credential = credentials.get(id);
    return credential === undefined ? id : (renderedCredentialId(format, credential) ?? id);
  };
  return { ok: true, records: records(generated, format), labels: renameLabels(generated.labels, rename) };
}

function records(generated: GeneratedScenario, format: ScenarioFormat): string[] {
  switch (format) {
    case 'canonical':
      return generated.events.map(canonicalRecord);
    case 'envoy':
      return generated.events.map(envoyRecord);
    case 'istio':
      return generated.events.flatMap(istioRecords);
    case 'kong':
      return generated.events.map(kongRecord);
    case 'kong-no-caller':
      return generated.events.map(callerlessKongRecord);
    case 'otlp':
      return otlpRecords(generated.events);
    case 'otlp-per-trace':
      return otlpPerTraceRecords(generated.events);
  }
}

function renameLabels(labels: ScenarioLabels, rename: (id: string) => string): ScenarioLabels {
  const seen = new Set<string>();
  const benign: BenignEntry[] = [];
  for (const entry of labels.benign) {
    const id = rename(typeof entry === 'string' ? entry : entry.originCredential);
    if (seen.has(id)) continue;
    seen.add(id);
    benign.push(typeof entry === 'string' ? id : { ...entry, originCredential: id });
  }
  return {
    ...labels,
    labels: labels.labels.map((label) => ({ ...label, originCredential: rename(label.originCredential) })),
    benign,
  };
}
