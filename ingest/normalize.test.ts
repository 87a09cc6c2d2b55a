import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hopEventSchema } from '../schemas/hop-event.js';
import { formatNames, normalizeRecord } from './normalize.js';

const now = Date.parse('2026-01-01T00:00:00Z');
const samples = new URL('../fixtures/samples/', import.meta.url);
const lines = (name: string) => readFileSync(new URL(name, samples), 'utf8').split('\n').filter(Boolean);

/** The format each sample file is in, by its name: `istio-*` is Envoy's adapter. */
function expectedFormat(file: string): string {
  const prefix = file.split(/[-.]/)[0] ?? file;
  return prefix === 'istio' ? 'envoy' : prefix;
}

describe('auto-detection', () => {
  const files = readdirSync(samples).filter((file) => file.endsWith('.ndjson') || file.endsWith('.log'));

  it.each(files)('detects %s and yields valid HopEvents', (file) => {
    for (const line of lines(file)) {
      const result = normalizeRecord(line, { now });
      expect(result).toMatchObject({ ok: true, format: expectedFormat(file) });
      if (result.ok)
        for (const event of result.events) expect(hopEventSchema.safeParse(event).success).toBe(true);
    }
  });

  it('lists every adapter and auto', () => {
    expect(formatNames).toEqual([
      'auto',
      'canonical',
      'otlp',
      'kong',
      'traefik',
      'apigateway',
      'apim',
      'gcp',
      'cloudflare',
      'alb',
      'envoy',
      'nginx',
    ]);
  });

  it('rejects a record of an unknown shape, and an explicit format that does not fit', () => {
    expect(normalizeRecord('{"hello":"world"}', { now })).toEqual({
      ok: false,
      reason: 'JSON record of no known format',
    });
    expect(normalizeRecord('not json', { now })).toEqual({
      ok: false,
      reason: 'text line of no known format',
    });
    const kongLine = lines('kong-3x-docs.ndjson')[0]!;
    expect(normalizeRecord(kongLine, { format: 'envoy', now })).toMatchObject({ ok: false, format: 'envoy' });
    expect(normalizeRecord(kongLine, { format: 'syslog', now })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('unknown format "syslog"'),
    });
  });
});

describe("a log shipper's JSON envelope", () => {
  const envoy = lines('envoy-agents.ndjson')[0]!;
  const nginx = lines('nginx-combined.log')[0]!;

  it.each([
    [
      'Vector',
      (line: string) => ({
        message: line,
        host: 'gw-1',
        source_type: 'file',
        timestamp: '2026-01-01T00:00:00Z',
      }),
    ],
    [
      'Filebeat',
      (line: string) => ({
        '@timestamp': '2026-01-01T00:00:00Z',
        message: line,
        agent: { type: 'filebeat' },
      }),
    ],
    [
      'Fluent Bit and Docker',
      (line: string) => ({ log: `${line}\n`, stream: 'stdout', time: '2026-01-01T00:00:00Z' }),
    ],
  ])('from %s is read as the line it carries, with the same hop ids', (_shipper, wrap) => {
    for (const line of [envoy, nginx]) {
      const origin = { topic: 'gateway-logs', partition: 2, offset: '7' };
      const bare = normalizeRecord(line, { now, origin });
      expect(bare.ok).toBe(true);
      expect(normalizeRecord(JSON.stringify(wrap(line)), { now, origin })).toEqual(bare);
    }
  });

  it('that carries no log line says so, naming the field; it is unwrapped once', () => {
    expect(normalizeRecord(JSON.stringify({ message: 'disk almost full' }), { now })).toEqual({
      ok: false,
      reason: 'the line in its `message` field: text line of no known format',
    });
    const twice = JSON.stringify({ message: JSON.stringify({ message: envoy }) });
    expect(normalizeRecord(twice, { now })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the line in its `message` field: JSON record/),
    });
  });

  it('on a pinned format is read as the line it carries when that line is of the format', () => {
    const wrapped = JSON.stringify({ message: envoy, host: 'gw-1' });
    expect(normalizeRecord(wrapped, { now, format: 'envoy' })).toEqual(
      normalizeRecord(envoy, { now, format: 'envoy' }),
    );
    // A line of another format keeps the pinned format's own reason.
    const other = normalizeRecord(JSON.stringify({ message: nginx }), { now, format: 'envoy' });
    const pinned = normalizeRecord(JSON.stringify({ message: nginx }), { now, format: 'nginx' });
    expect(other).toMatchObject({ ok: false, format: 'envoy' });
    expect(other.ok || other.reason).not.toMatch(/message/);
    expect(pinned.ok).toBe(true);
  });
});

describe('an OTLP log export met as one record', () => {
  it('says where such exports are read as their log records', () => {
    const exported = JSON.stringify({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }],
    });
    expect(normalizeRecord(exported, { now })).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /^an OTLP log export, which is read as its log records where exports come in/,
      ),
    });
  });
});

describe('ids and origin', () => {
  it('gives the same record the same id on every run, and different records different ids', () => {
    const [first, second] = lines('istio-json.ndjson');
    const idOf = (line: string) => {
      const result = normalizeRecord(line, { now });
      return result.ok ? result.events[0]?.id : undefined;
    };
    expect(idOf(first!)).toBe(idOf(first!));
    expect(idOf(first!)).not.toBe(idOf(second!));
  });

  it('records the Kafka coordinates it was given', () => {
    const result = normalizeRecord(lines('traefik.ndjson')[0]!, {
      now,
      origin: { topic: 'logs', partition: 3, offset: '77' },
    });
    expect(result.ok && result.events[0]?.origin).toEqual({
      format: 'traefik',
      topic: 'logs',
      partition: 3,
      offset: '77',
    });
  });
});

describe('hostile input', () => {
  const envoyAt = (startTime: string | number) =>
    JSON.stringify({ start_time: startTime, method: 'GET', path: '/', response_code: 200 });

  it('rejects a record above the size limit without parsing it, and the limit is configurable', () => {
    const big = `{"start_time":"2025-11-20T09:15:02.114Z","response_code":200,"pad":"${'x'.repeat(1024 * 1024)}"}`;
    expect(normalizeRecord(big, { now })).toEqual({
      ok: false,
      reason: 'record is longer than 1048576 bytes',
    });
    expect(normalizeRecord(big, { now, maxRecordBytes: 2 * 1024 * 1024 }).ok).toBe(true);
    expect(normalizeRecord(envoyAt('2025-11-20T09:15:02.114Z'), { now, maxRecordBytes: 40 }).ok).toBe(false);
  });

  it('counts bytes, not characters, against the limit', () => {
    const multiByte = envoyAt(`2025-11-20T09:15:02.114Z${'é'.repeat(30)}`);
    expect(normalizeRecord(multiByte, { now, maxRecordBytes: multiByte.length + 10 })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('longer than'),
    });
  });

  it('rejects negative start times, and start times further ahead of the receiving clock than maxFutureMs', () => {
    expect(normalizeRecord(envoyAt('1969-12-31T23:59:59.000Z'), { now })).toMatchObject({
      ok: false,
      reason: 'envoy: start time is negative or not a time',
    });
    const aMinuteAhead = new Date(now + 60_000).toISOString();
    expect(normalizeRecord(envoyAt(aMinuteAhead), { now }).ok).toBe(true);
    expect(normalizeRecord(envoyAt(new Date(now + 240_000).toISOString()), { now })).toMatchObject({
      ok: false,
      reason:
        'envoy: start time is 4 min ahead of the clock that received it (detectors.maxFutureMs allows 1 min)',
    });
    const threeDaysAhead = new Date(now + 3 * 86_400_000).toISOString();
    expect(normalizeRecord(envoyAt(threeDaysAhead), { now, maxFutureMs: 5 * 86_400_000 }).ok).toBe(true);
    expect(normalizeRecord(envoyAt(threeDaysAhead), { now, maxFutureMs: 0 })).toMatchObject({
      reason:
        'envoy: start time is 72 h ahead of the clock that received it (detectors.maxFutureMs allows 0 s)',
    });
  });

  it('rejects empty, binary and truncated records with a reason and never throws', () => {
    for (const name of readdirSync(new URL('hostile/', samples))) {
      for (const line of readFileSync(new URL(`hostile/${name}`, samples), 'latin1').split('\n')) {
        const result = normalizeRecord(line, { now });
        if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
      }
    }
    expect(normalizeRecord('   ', { now })).toEqual({ ok: false, reason: 'empty record' });
    expect(normalizeRecord('\u0000\u0001\u00ff{"start_time"', { now }).ok).toBe(false);
    expect(normalizeRecord('{"start_time":"2025-', { now })).toEqual({
      ok: false,
      reason: 'not valid JSON (error at character 20 of 20)',
    });
    expect(normalizeRecord('{"a":', { now })).toEqual({
      ok: false,
      reason: 'not valid JSON (cut short after 5 characters)',
    });
  });

  it('never quotes the record in a reason, so a token in a broken record stays out of logs', () => {
    const token = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.c2VjcmV0LXNpZ25hdHVyZQ';
    const records = [
      `{"authorization":"Bearer ${token}", oops}`,
      `Bearer ${token} not json`,
      `{"start_time":"2025-11-20T09:15:02.114Z","response_code":"x","authorization":"Bearer ${token}`,
      JSON.stringify({
        id: token,
        ts: token,
        credential: { id: token, kind: token },
        destination: token,
        status: token,
      }),
    ];
    for (const record of records) {
      const result = normalizeRecord(record, { now });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).not.toContain('c2VjcmV0LXNpZ25hdHVyZQ');
    }
  });
});
