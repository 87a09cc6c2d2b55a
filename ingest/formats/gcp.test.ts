import { describe, expect, it } from 'vitest';
import { sampleLines as fixture, hopsOf, sampleNow as now } from '../../test/kits/formats/samples.js';
import { normalizeRecord } from '../normalize.js';

const [task, tool, balancer] = fixture('gcp-agents.ndjson').map((line) => hopsOf('gcp', line)[0]!);

describe("Google Cloud request logs (Cloud Logging's LogEntry with httpRequest)", () => {
  it('reads a Cloud Run request: its service, Cloud Trace id, latency and sizes', () => {
    expect(task).toMatchObject({
      id: 'gcp:65a1b2c3000d4e5f6a7b8c9d',
      ts: Date.parse('2025-11-30T10:00:00.100Z'),
      durationMs: 4512.345,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      credential: { id: 'anonymous:34.98.1.2', kind: 'unknown' },
      destination: {
        service: 'planner-agent',
        host: 'planner-agent-abc123-ew.a.run.app',
        method: 'POST',
        path: '/v1/tasks',
      },
      status: 200,
      bytesIn: 512,
      bytesOut: 2048,
    });
    expect(tool!.traceId).toBe(task!.traceId);
  });

  it("keeps a request's path, not its query, which here holds a key", () => {
    expect(tool!.destination.path).toBe('/v1/search');
    expect(JSON.stringify(tool)).not.toContain('AIza');
  });

  it("names a load balancer's request by its backend service", () => {
    expect(balancer).toMatchObject({
      status: 403,
      durationMs: 2.345,
      destination: { service: 'admin-backend', host: 'api.acme.example' },
      credential: { id: 'anonymous:198.51.100.50' },
    });
  });

  it('names the caller from its User-Agent when lineage.callerHint asks for it', () => {
    const line = fixture('gcp-agents.ndjson')[1]!;
    expect(normalizeRecord(line, { now, callerHint: { userAgent: true } })).toMatchObject({
      ok: true,
      format: 'gcp',
      events: [{ source: { workload: 'planner-agent' } }],
    });
  });

  it('rejects an entry without a usable timestamp, naming it', () => {
    const entry = JSON.parse(fixture('gcp-agents.ndjson')[0]!);
    entry.timestamp = 'yesterday';
    expect(normalizeRecord(JSON.stringify(entry), { now })).toEqual({
      ok: false,
      format: 'gcp',
      reason: 'gcp: timestamp is missing or not an RFC 3339 time',
    });
  });
});
