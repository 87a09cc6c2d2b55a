import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import { sampleLines } from './kits/formats/samples.js';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const audience = 'https://hopwatch.example.com/v1/pubsub';
const serviceAccount = 'pubsub-push@acme-agents.iam.gserviceaccount.com';
const entry = sampleLines('gcp-agents.ndjson')[2]!;

let running: TestHopwatch;
let keysServer: Server;
/** Whether the key set is served, or answered 503 as a Google outage (or a network in between) would. */
let keysServed = false;
let google: PrivateKey;
let stranger: PrivateKey;

beforeAll(async () => {
  // Google's key set as Google serves it, from a real HTTP server (jwksUrl), and a key Google never published.
  const pair = await generateKeyPair('RS256');
  google = pair.privateKey;
  stranger = (await generateKeyPair('RS256')).privateKey;
  const published = {
    keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'google-1', alg: 'RS256', use: 'sig' }],
  };
  keysServer = createServer((_request, response) => {
    if (keysServed)
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(published));
    else response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => keysServer.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(keysServer.address() as AddressInfo).port}/oauth2/v3/certs`;
  running = await startTestHopwatch({ api: { pubsubPush: { audience, serviceAccount, jwksUrl } } });
});

afterAll(async () => {
  await running?.close();
  keysServer?.close();
});

/** An OIDC token as Google issues one for a push subscription, with `claims` changed. */
const token = (claims: Record<string, unknown> = {}, key = google) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: 'https://accounts.google.com',
    aud: audience,
    sub: '113774264463038321964',
    iat: now,
    exp: now + 3600,
    email: serviceAccount,
    email_verified: true,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'google-1', typ: 'JWT' })
    .sign(key);
};

const push = (authorization: string | undefined, query = '') =>
  fetch(`${running.url}/v1/pubsub${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: JSON.stringify({
      message: { data: Buffer.from(entry).toString('base64'), messageId: '42' },
      subscription: 'projects/acme-agents/subscriptions/hopwatch-push',
    }),
  });

describe('POST /v1/pubsub with the subscription’s own authentication (api.pubsubPush)', () => {
  it('answers 503 while Google’s keys cannot be fetched, so that Pub/Sub delivers again', async () => {
    const response = await push(`Bearer ${await token()}`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('10');
  });

  it('takes a token Google signed for its audience and service account, and no other', async () => {
    keysServed = true;
    expect((await push(`Bearer ${await token()}`)).status).toBe(204);
    const refused = [
      await token({ email: 'someone-else@acme-agents.iam.gserviceaccount.com' }),
      await token({ email_verified: false }),
      await token({ aud: 'https://elsewhere.example.com/push' }),
      await token({ iss: 'https://evil.example.com' }),
      await token({ exp: Math.floor(Date.now() / 1000) - 600 }),
      await token({}, stranger),
    ];
    for (const jwt of refused) {
      const response = await push(`Bearer ${jwt}`);
      expect(response.status, jwt).toBe(401);
      expect(await response.json()).toEqual({
        error: 'unauthorized',
        message: 'the bearer token is not valid',
      });
    }
  });

  it('still takes hopwatch’s own ingest token, and Google’s token opens no other route', async () => {
    keysServed = true;
    expect((await push(undefined, `?token=${running.tokens.ingest}`)).status).toBe(204);
    const ingest = await fetch(`${running.url}/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${await token()}` },
      body: `${entry}\n`,
    });
    expect(ingest.status).toBe(401);
  });
});
