import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { benignCredential, readLabels } from '../evaluation/labels.js';
import { createDetectionEngine } from '../pipeline/engine.js';
import { parseConfig } from '../pipeline/load-config.js';
import { baseTime, generateScenario } from '../scenarios/generate.js';
import { findScenario, scenarios } from '../scenarios/registry.js';
import { createRng } from '../scenarios/rng.js';
import type { ScenarioFormat } from '../scenarios/traffic.js';
import { type WrittenScenario, writeScenario } from '../scenarios/write.js';
import { hopEventSchema } from '../schemas/hop-event.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import { assertBuilt, HOPWATCH_BIN } from './helpers/api-process.js';

/** The origin credentials lineage resolves for the hops of one canonical file. */
function resolvedOrigins(path: string): Set<string> {
  const origins = new Set<string>();
  const config = parseConfig({});
  if (!config.ok) throw new Error(config.reason);
  const sink = { hop: (hop: ResolvedHop) => origins.add(hop.originCredential), finding: () => {} };
  const engine = createDetectionEngine(config.config, sink, { now: () => 0 });
  for (const line of readFileSync(path, 'utf8').trimEnd().split('\n'))
    engine.observe(hopEventSchema.parse(JSON.parse(line)));
  engine.flush();
  return origins;
}

function written(name: string, format: ScenarioFormat, seed: number, dir: string): WrittenScenario {
  const result = writeScenario(findScenario(name)!, format, { seed, rate: 1 }, dir);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'hopwatch-scenarios-'));

function writeAll(seed: number, dir: string): Map<string, Buffer> {
  for (const scenario of scenarios) written(scenario.name, 'canonical', seed, dir);
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
}

describe('scenario generation is deterministic', () => {
  const first = writeAll(42, tempDir());

  it('writes byte-identical traffic and labels for the same seed', () => {
    const second = writeAll(42, tempDir());
    expect([...second.keys()].sort()).toEqual([...first.keys()].sort());
    for (const [name, bytes] of first) expect(second.get(name)?.equals(bytes), name).toBe(true);
  });

  it('writes different traffic for a different seed', () => {
    const dir = tempDir();
    const other = written('support-agent', 'canonical', 43, dir);
    expect(readFileSync(other.trafficPath).equals(first.get('support-agent.ndjson')!)).toBe(false);
  });

  it('places event time by the seed, not by the wall clock', () => {
    const generated = generateScenario(findScenario('sre-bot')!, { seed: 42, rate: 1 });
    expect(generated.start).toBe(baseTime(42));
    expect(baseTime(42)).not.toBe(baseTime(43));
    expect(Math.min(...generated.events.map((event) => event.ts))).toBeGreaterThanOrEqual(generated.start);
  });

  it('draws the same numbers from the same seed and different ones from another', () => {
    const draw = (seed: string) => Array.from({ length: 5 }, createRng(seed).next);
    const a = createRng('a');
    expect([a.hex(8), a.int(1, 6)]).toEqual(((rng) => [rng.hex(8), rng.int(1, 6)])(createRng('a')));
    expect(draw('7')).not.toEqual(draw('8'));
  });
});

describe('generated scenario files', () => {
  const dir = tempDir();
  const files = scenarios.map((scenario) => written(scenario.name, 'canonical', 3, dir));

  it('hold only valid canonical HopEvents with W3C trace ids', () => {
    for (const file of files) {
      const lines = readFileSync(file.trafficPath, 'utf8').trimEnd().split('\n');
      for (const line of lines) {
        const event = hopEventSchema.parse(JSON.parse(line));
        if (event.traceId !== undefined) expect(event.traceId).toMatch(/^[0-9a-f]{32}$/);
        if (event.spanId !== undefined) expect(event.spanId).toMatch(/^[0-9a-f]{16}$/);
      }
    }
  });

  it('label every attack, and declare every other origin benign', () => {
    for (const file of files) {
      const result = readLabels(file.labelsPath);
      if (!result.ok) throw new Error(result.reason);
      const { labels, benign } = result.labels;
      const attack = ![
        'support-agent',
        'code-assistant',
        'sre-bot',
        'inventory-sync',
        'data-retrieval',
      ].includes(file.scenario);
      expect(labels.length > 0, file.scenario).toBe(attack);
      const declared = new Set([
        ...labels.map((label) => label.originCredential),
        ...benign.map(benignCredential),
      ]);
      for (const origin of resolvedOrigins(file.trafficPath)) {
        expect(declared.has(origin), `${file.scenario}: ${origin}`).toBe(true);
      }
    }
  });

  it('keep every slow-and-low variant as a benign entry that says why', () => {
    for (const file of files) {
      const result = readLabels(file.labelsPath);
      if (!result.ok || result.labels.labels.length === 0) continue;
      const noted = result.labels.benign.filter((entry) => typeof entry !== 'string');
      expect(noted.length, file.scenario).toBe(1);
    }
  });

  it('carry key fingerprints, never the synthetic key material', () => {
    const generated = generateScenario(findScenario('stolen-key')!, { seed: 3, rate: 1 });
    const text = readFileSync(files.find((file) => file.scenario === 'stolen-key')!.trafficPath, 'utf8');
    expect(generated.apiKeys.size).toBeGreaterThan(0);
    for (const [id, key] of generated.apiKeys) {
      expect(text).toContain(id);
      expect(text).not.toContain(key);
    }
  });
});

describe('the committed scenario set (fixtures/scenarios)', () => {
  it('is exactly what its README command writes', () => {
    const dir = tempDir();
    for (const scenario of scenarios) {
      const result = writeScenario(scenario, scenario.mixedFormat, { seed: 2025, rate: 0.4 }, dir);
      if (!result.ok) throw new Error(result.reason);
    }
    const committed = readdirSync('fixtures/scenarios').filter((name) => name !== 'README.md');
    expect(readdirSync(dir).sort()).toEqual(committed.sort());
    for (const name of committed) {
      const same = readFileSync(join(dir, name)).equals(readFileSync(join('fixtures/scenarios', name)));
      expect(same, `${name} differs: regenerate fixtures/scenarios (see its README)`).toBe(true);
    }
  });
});

describe('hopwatch generate', () => {
  beforeAll(assertBuilt);
  const run = (args: string[]) =>
    spawnSync(process.execPath, [HOPWATCH_BIN, 'generate', ...args], { encoding: 'utf8' });

  it('writes a scenario and its labels, and names what it wrote', () => {
    const dir = tempDir();
    const result = run(['--scenario', 'scope-creep', '--seed', '9', '--format', 'envoy', '--out', dir]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('scope-creep.ndjson');
    expect(readdirSync(dir).sort()).toEqual(['scope-creep.labels.json', 'scope-creep.ndjson']);
  });

  it('skips, with the reason and exit code 1, a scenario the format cannot express', () => {
    const result = run(['--scenario', 'stolen-key', '--format', 'otlp', '--out', tempDir()]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('raw key');
  });

  it('refuses an unknown scenario with exit code 2', () => {
    const result = run(['--scenario', 'nope', '--out', tempDir()]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown scenario nope');
  });
});
