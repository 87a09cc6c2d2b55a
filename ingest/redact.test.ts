import { describe, expect, it } from 'vitest';
import { plantedSecrets } from '../test/kits/formats/planted-secrets.js';
import { sampleLines } from '../test/kits/formats/samples.js';
import { redactRaw } from './redact.js';

const hostile = (name: string) => sampleLines(`hostile/${name}`);

describe('redacting a raw record before it becomes a dead letter', () => {
  it('removes every planted secret from the hostile records (JSON, truncated, text, OTLP attributes)', () => {
    const records = [
      ...hostile('secrets.ndjson'),
      ...hostile('truncated.ndjson'),
      ...hostile('time-bounds.ndjson'),
    ];
    const planted = records.filter((record) => plantedSecrets.some((secret) => record.includes(secret)));
    expect(planted.length).toBeGreaterThanOrEqual(8);
    for (const record of planted) {
      const redacted = redactRaw(record);
      for (const secret of plantedSecrets) expect(redacted).not.toContain(secret);
    }
  });

  it('keeps what is needed to see why the record failed', () => {
    const record =
      '{"start_time":"2025-11-20T09:15:02.114Z","response_code":"x","authorization":"Bearer abc.def-ghi_jkl"}';
    expect(redactRaw(record)).toBe(
      '{"start_time":"2025-11-20T09:15:02.114Z","response_code":"x","authorization":"[REDACTED]"}',
    );
  });

  it('scrubs header text, cookies, query-string keys and JWT-shaped strings anywhere', () => {
    expect(redactRaw('Authorization: Bearer abcdefgh12345678\nCookie: sid=s3cr3t; theme=dark')).toBe(
      'Authorization: [REDACTED]\nCookie: [REDACTED]',
    );
    expect(redactRaw('GET /export?api_key=k3y&page=2&access_token=t0k HTTP/1.1')).toBe(
      'GET /export?api_key=[REDACTED]&page=2&access_token=[REDACTED] HTTP/1.1',
    );
    expect(redactRaw('x eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.sig y')).toBe('x [REDACTED] y');
  });

  it('leaves a record without secrets unchanged', () => {
    const record =
      '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28"';
    expect(redactRaw(record)).toBe(record);
  });
});
