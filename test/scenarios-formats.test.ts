import { describe, expect, it } from 'vitest';
import { benignCredential } from '../evaluation/labels.js';
import { normalizeRecord } from '../ingest/normalize.js';
import { serviceName } from '../lineage/service-name.js';
import { renderedCredentialId } from '../scenarios/formats/identity.js';
import { serializeScenario } from '../scenarios/formats/index.js';
import { type GeneratedScenario, generateScenario } from '../scenarios/generate.js';
import { findScenario } from '../scenarios/registry.js';
import type { ScenarioFormat } from '../scenarios/traffic.js';
import type { HopEvent } from '../schemas/hop-event.js';

const generated = new Map<string, GeneratedScenario>();
function scenario(name: string): GeneratedScenario {
  let run = generated.get(name);
  if (run === undefined) {
    run = generateScenario(findScenario(name)!, { seed: 11, rate: 0.5 });
    generated.set(name, run);
  }
  return run;
}

function serialize(name: string, format: ScenarioFormat) {
  const result = serializeScenario(scenario(name), format);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

/** What detection depends on, in a form both sides can be compared in. */
function essentials(event: HopEvent, credentialId: string, format: ScenarioFormat, traced: boolean) {
  const { destination } = event;
  // Gateways do not log the A2A skill of a call; OTLP spans and canonical records carry it.
  const toolKept = format === 'otlp' || format === 'canonical' || destination.protocol !== 'a2a';
  return JSON.stringify([
    event.ts,
    Math.round(event.durationMs ?? 0),
    traced ? (event.traceId ?? '-') : '-',
    credentialId,
    [...event.credential.scopes].sort(),
    event.delegation ?? [],
    serviceName(destination.service),
    destination.method,
    destination.path.split('?')[0],
    event.status,
    destination.protocol,
    toolKept ? (destination.tool ?? '-') : '-',
  ]);
}

function roundTrip(name: string, format: ScenarioFormat): { expected: string[]; decoded: string[] } {
  const run = scenario(name);
  const rename = (id: string) => {
    const credential = run.events.find((event) => event.credential.id === id)?.credential;
    return credential === undefined ? id : (renderedCredentialId(format, credential) ?? id);
  };
  const expected = run.events.map((event) =>
    essentials(
      {
        ...event,
        ...(event.delegation
          ? { delegation: event.delegation.map((id, i) => (i === 0 ? rename(id) : id)) }
          : {}),
      },
      rename(event.credential.id),
      format,
      true,
    ),
  );
  // Requests from outside carry no trace context; OTLP gives them a trace of their own, which is no loss.
  const at = (event: HopEvent) => `${event.ts} ${event.destination.path.split('?')[0]}`;
  const untraced = new Set(run.events.filter((event) => event.traceId === undefined).map(at));
  const decoded = serialize(name, format).records.flatMap((record) => {
    const result = normalizeRecord(record);
    if (!result.ok) throw new Error(`${format} record rejected: ${result.reason}`);
    return result.events.map((event) =>
      essentials(event, event.credential.id, format, !untraced.has(at(event))),
    );
  });
  return { expected: expected.sort(), decoded: decoded.sort() };
}

describe('scenario records in every format decode to the hops that were generated', () => {
  const cases: Array<[ScenarioFormat, string[]]> = [
    ['envoy', ['data-retrieval', 'readonly-mutation', 'auth-probing']],
    ['kong', ['data-retrieval', 'inventory-sync', 'sre-bot']],
    ['otlp', ['data-retrieval', 'readonly-mutation', 'auth-probing']],
    ['canonical', ['stolen-key']],
  ];
  for (const [format, names] of cases) {
    for (const name of names) {
      it(`${name} as ${format}`, () => {
        const { expected, decoded } = roundTrip(name, format);
        expect(decoded).toEqual(expected);
      });
    }
  }
});

describe('scenario records and labels per format', () => {
  it('name API-key callers by their Kong consumer, in the records and in the labels alike', () => {
    const { labels, records } = serialize('inventory-sync', 'kong');
    const consumers = labels.benign.map(benignCredential).filter((id) => id.startsWith('kong-consumer:'));
    expect(consumers).toContain('kong-consumer:inventory-sync-02');
    expect(records.some((record) => record.includes('"username":"inventory-sync-02"'))).toBe(true);
  });

  it('refuse to write an API-key scenario where only the raw key could name the caller', () => {
    for (const format of ['envoy', 'otlp'] as const) {
      const result = serializeScenario(scenario('stolen-key'), format);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toContain('raw key');
    }
  });

  it('carry no secret but synthetic, unsigned test JWTs', () => {
    const keys = [...scenario('stolen-key').apiKeys.values()];
    for (const [name, format] of [
      ['stolen-key', 'canonical'],
      ['inventory-sync', 'kong'],
      ['data-retrieval', 'otlp'],
      ['data-retrieval', 'envoy'],
    ] as const) {
      const text = serialize(name, format).records.join('\n');
      for (const key of [...keys, ...scenario(name).apiKeys.values()]) expect(text).not.toContain(key);
      for (const [, header] of text.matchAll(/Bearer (eyJ[\w-]+)\./g)) {
        expect(JSON.parse(Buffer.from(header!, 'base64url').toString()).kid).toBe(
          'hopwatch-synthetic-test-key',
        );
      }
    }
  });
});
