import { afterEach, expect, it } from 'vitest';
import { IncidentTracker } from '../incidents/tracker.js';
import type { Finding } from '../schemas/finding.js';
import type { Incident } from '../schemas/incident.js';
import { migrations } from '../store/migrations.js';
import { storeTables } from '../store/tables.js';
import type { HopwatchStore, IncidentFilter } from '../store/types.js';
import { makeFinding } from './helpers/store-fixtures.js';
import { describeStoreTargets } from './helpers/store-targets.js';

const MINUTE = 60_000;

/** Findings of three credentials, two of which go quiet long enough to resolve; every version of every incident. */
function incidentTraffic(): { findings: Finding[]; versions: Incident[] } {
  const versions: Incident[] = [];
  const tracker = new IncidentTracker({ quietMs: 15 * MINUTE, maxOpen: 100 }, (i) => versions.push(i));
  const findings: Finding[] = [];
  for (let index = 0; index < 30; index++) {
    const finding = makeFinding(index, { windowStart: Date.UTC(2026, 10, 1) + index * 2 * MINUTE });
    finding.incidentId = tracker.add(finding);
    findings.push(finding);
  }
  tracker.advance(Date.UTC(2026, 10, 1, 3));
  return { findings, versions };
}

function latestOf(versions: Incident[]): Incident[] {
  const latest = new Map<string, Incident>();
  for (const version of versions) latest.set(version.id, version);
  return [...latest.values()].sort((a, b) => b.lastSeenAt - a.lastSeenAt || (a.id < b.id ? 1 : -1));
}

describeStoreTargets('store — incidents', (target) => {
  const opened: HopwatchStore[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  async function fresh(): Promise<HopwatchStore> {
    const store = await target.open(target.config());
    opened.push(store);
    return store;
  }

  async function walk(store: HopwatchStore, filter: IncidentFilter, limit: number): Promise<Incident[]> {
    const seen: Incident[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.reader.listIncidents(filter, limit, cursor);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return seen;
  }

  it('lists each incident as it stands once, however often its versions were written, and filters', async () => {
    const store = await fresh();
    const { findings, versions } = incidentTraffic();
    for (let copy = 0; copy < 2; copy++) {
      await store.writer.write({ findings, incidents: versions });
      await store.writer.flush();
    }
    const latest = latestOf(versions);
    expect(latest.length).toBe(7);
    expect(await walk(store, {}, 3)).toEqual(latest);

    const resolved = latest.filter((incident) => incident.state === 'resolved');
    expect(resolved.length).toBeGreaterThan(0);
    expect(await walk(store, { state: 'resolved' }, 100)).toEqual(resolved);
    const critical = latest.filter((incident) => incident.severity === 'critical');
    expect(await walk(store, { severity: 'critical' }, 100)).toEqual(critical);
    const one = latest[0]!;
    expect(await walk(store, { originCredential: one.originCredential }, 100)).toEqual(
      latest.filter((incident) => incident.originCredential === one.originCredential),
    );
    const detector = one.detectors[0]!;
    expect(await walk(store, { detector }, 100)).toEqual(
      latest.filter((incident) => incident.detectors.includes(detector)),
    );
    expect(await walk(store, { to: Date.UTC(2026, 9, 1) }, 100)).toEqual([]);
  });

  it('gives an incident with its timeline and findings, and none for an unknown id', async () => {
    const store = await fresh();
    const { findings, versions } = incidentTraffic();
    await store.writer.write({ findings, incidents: versions });
    await store.writer.flush();
    const incident = latestOf(versions).find((candidate) => candidate.findingCount > 1)!;
    const detail = await store.reader.getIncident(incident.id, 2);
    expect(detail?.incident).toEqual(incident);
    expect(detail?.timeline).toEqual(
      versions.filter((version) => version.id === incident.id && version.change !== 'joined'),
    );
    expect(detail?.findings.items).toHaveLength(2);
    expect(detail?.findings.items.every((finding) => finding.incidentId === incident.id)).toBe(true);
    expect(await store.reader.getIncident('absent', 10)).toBeNull();
  });

  it('upgrades a store written before incidents: its findings read back, and incidents are stored', async () => {
    const config = target.config();
    const sql = await target.sql(config);
    const old = makeFinding(3);
    try {
      const settings = {
        tables: storeTables(config.store.database),
        hopsTtlDays: config.store.hopsTtlDays,
        deadLettersTtlDays: config.store.deadLettersTtlDays,
      };
      await sql.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.store.database}` });
      await migrations[0]!.apply(sql, settings);
      await sql.command({
        query: `CREATE TABLE ${settings.tables.migrations} (version UInt32, name String, appliedAt DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY version`,
      });
      await sql.insert({
        table: settings.tables.migrations,
        values: [{ version: 1, name: migrations[0]!.name }],
        format: 'JSONEachRow',
      });
      await sql.insert({
        table: settings.tables.findings,
        values: [old],
        format: 'JSONEachRow',
        clickhouse_settings: { input_format_json_read_objects_as_strings: 1 },
      });
    } finally {
      await sql.close();
    }
    const store = await target.open(config);
    opened.push(store);
    expect(await store.reader.getFinding(old.id)).toEqual(old);
    const { findings, versions } = incidentTraffic();
    await store.writer.write({ findings, incidents: versions });
    await store.writer.flush();
    expect(await walk(store, {}, 100)).toEqual(latestOf(versions));
  });
});
