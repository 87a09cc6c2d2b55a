import { describe, expect, it } from 'vitest';
import { sampleLines as fixture, hopsOf, sampleNow as now } from '../../test/kits/formats/samples.js';
import { normalizeRecord } from '../normalize.js';

const hop = (line: string) => hopsOf('apigateway', line)[0]!;

describe("API Gateway's JSON access log, the console's preset", () => {
  const records = fixture('apigateway-rest.ndjson');

  it('is detected, and read with its CLF time, resource path and status', () => {
    expect(
      records.map((line) => normalizeRecord(line, { now })).map((read) => read.ok && read.format),
    ).toEqual(Array(records.length).fill('apigateway'));
    expect(hop(records[0]!)).toMatchObject({
      ts: Date.parse('2023-06-10T15:36:28Z'),
      status: 200,
      requestId: '48752d0f-c99d-4cfa-a5a7-f3c6834d19e5',
      bytesOut: 184,
      destination: { method: 'GET', path: '/pets', route: '/pets', service: 'unknown' },
      credential: { id: 'anonymous:1.128.0.0', kind: 'unknown' },
    });
  });

  it('names the API by its domain when the template logs it', () => {
    expect(hop(records[3]!).destination).toMatchObject({
      service: 'asad15n3p0.execute-api.us-east-1.amazonaws.com',
      route: '/pets/{petId}',
    });
  });
});

describe("API Gateway with the README's template", () => {
  const [iam, jwt, apiKey, lambda] = fixture('apigateway-agents.ndjson').map(hop);

  it("takes an IAM caller's role as the credential, its session apart, and X-Ray's trace id", () => {
    expect(iam).toMatchObject({
      id: 'apigateway:Kq3XbFzsIAMEb4w=',
      ts: 1764590400123,
      durationMs: 87,
      traceId: '674c4f405f2b8e1d9c3a4b6d7e8f9a0b',
      credential: {
        id: 'iam:arn:aws:iam::123456789012:role/support-triage-agent',
        kind: 'service_account',
        jti: 'triage-agent-7f3a',
      },
      destination: {
        service: 'support-api.acme.example',
        route: '/tickets/{id}/escalate',
        path: '/prod/tickets/4711/escalate',
        method: 'POST',
      },
    });
  });

  it("reads the authorizer's claims, scopes included, and an HTTP API's route key", () => {
    expect(jwt).toMatchObject({
      credential: {
        id: 'jwt:https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123|4kq1c2m3n4o5p6q7r8s9t0u1v2',
        kind: 'jwt',
        scopes: ['tickets/read', 'tickets/write'],
      },
      destination: { route: 'GET /tickets', path: '/tickets', service: 'tickets.acme.example' },
    });
  });

  it("names an API key by its id, and a Lambda authorizer's caller by its principal", () => {
    expect(apiKey).toMatchObject({
      status: 429,
      credential: { id: 'aws-api-key:ab12cd34ef', kind: 'api_key' },
    });
    expect(lambda).toMatchObject({
      status: 403,
      traceId: '674c4f430a1b2c3d4e5f6a7b8c9d0e1f',
      credential: { id: 'principal:deploy-bot@acme' },
    });
  });

  it('hashes the line for a hop id when only the caller-settable requestId is logged', () => {
    expect(jwt!.id).toMatch(/^apigateway:[0-9a-f]{16}$/);
  });

  it('rejects a record without a usable time, naming the field', () => {
    const record = JSON.stringify({ requestId: 'x', httpMethod: 'GET', requestTime: 'yesterday' });
    expect(normalizeRecord(record, { now })).toEqual({
      ok: false,
      format: 'apigateway',
      reason: 'apigateway: requestTime is not a CLF time (10/Jun/2023:15:36:28 +0000)',
    });
  });

  it('fingerprints an API key a template logged, and keeps no trace of it', () => {
    const key = 'k3yValueThatMustNotBeKept0123456789';
    const record = JSON.stringify({
      requestId: 'r-1',
      httpMethod: 'GET',
      requestTimeEpoch: 1764590400000,
      path: '/search',
      apiKey: key,
    });
    const read = hop(record);
    expect(read.credential).toMatchObject({
      kind: 'api_key',
      id: expect.stringMatching(/^key:[0-9a-f]{16}$/),
    });
    expect(JSON.stringify(read)).not.toContain(key);
  });
});
