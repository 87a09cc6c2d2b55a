import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaConfigSchema } from './config.js';
import { kafkaConnection } from './kafka-connection.js';

describe('the OAUTHBEARER token of the Kafka clients', () => {
  it('is read from its file at every authentication, so that a refreshed token is taken up', async () => {
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'hopwatch-kafka-token-')), 'token');
    writeFileSync(tokenFile, 'first-token\n');
    const config = kafkaConfigSchema.parse({ sasl: { mechanism: 'oauthbearer', tokenFile } });
    const read = kafkaConnection(config);
    if (!read.ok || !read.connection.sasl || !('token' in read.connection.sasl))
      throw new Error('no OAUTHBEARER options');
    const provider = read.connection.sasl.token;
    expect(await provider()).toEqual({ value: 'first-token' });
    writeFileSync(tokenFile, 'refreshed-token\n');
    expect(await provider()).toEqual({ value: 'refreshed-token' });
    writeFileSync(tokenFile, '');
    await expect(provider()).rejects.toThrow(`kafka.sasl.tokenFile: ${tokenFile} is empty`);
  });

  it('stops start-up, naming the field, when the file cannot be read, and wants nothing of a password', () => {
    const missing = kafkaConnection(
      kafkaConfigSchema.parse({ sasl: { mechanism: 'oauthbearer', tokenFile: '/nonexistent/token' } }),
    );
    expect(missing).toEqual({
      ok: false,
      reason: 'config field kafka.sasl.tokenFile: cannot read /nonexistent/token (ENOENT)',
    });
    const mixed = kafkaConfigSchema.safeParse({
      sasl: { mechanism: 'oauthbearer', tokenFile: '/t', username: 'hopwatch' },
    });
    expect(mixed.success ? 'accepted' : mixed.error.issues[0]?.path.join('.')).toBe('sasl.username');
    const scramWithToken = kafkaConfigSchema.safeParse({
      sasl: { mechanism: 'scram-sha-512', username: 'hopwatch', tokenFile: '/t' },
    });
    expect(scramWithToken.success ? 'accepted' : scramWithToken.error.issues[0]?.path.join('.')).toBe(
      'sasl.tokenFile',
    );
  });
});

describe('SASL settings for managed clusters', () => {
  const issueAt = (input: unknown) => {
    const parsed = kafkaConfigSchema.safeParse(input);
    return parsed.success ? 'accepted' : parsed.error.issues[0]?.path.join('.');
  };

  it('refuses, naming the field, what aws-msk-iam cannot use and what only it uses', () => {
    expect(issueAt({ tls: true, sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' } })).toBe('accepted');
    expect(issueAt({ sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' } })).toBe('tls');
    expect(issueAt({ tls: true, sasl: { mechanism: 'aws-msk-iam', username: 'hopwatch' } })).toBe(
      'sasl.username',
    );
    expect(issueAt({ tls: true, sasl: { mechanism: 'aws-msk-iam', passwordFile: '/p' } })).toBe(
      'sasl.passwordEnv',
    );
    expect(issueAt({ tls: true, sasl: { mechanism: 'aws-msk-iam', profile: 'a', roleArn: 'arn:r' } })).toBe(
      'sasl.profile',
    );
    expect(issueAt({ sasl: { mechanism: 'plain', username: 'u', region: 'eu-west-1' } })).toBe('sasl.region');
  });

  it('sends OAUTHBEARER extensions as configured, and refuses names Kafka would refuse', async () => {
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'hopwatch-kafka-token-')), 'token');
    writeFileSync(tokenFile, 'a-token\n');
    const extensions = { logicalCluster: 'lkc-abc123', identityPoolId: 'pool-Ab1' };
    const read = kafkaConnection(
      kafkaConfigSchema.parse({ sasl: { mechanism: 'oauthbearer', tokenFile, extensions } }),
    );
    if (!read.ok || !read.connection.sasl || !('token' in read.connection.sasl))
      throw new Error('no OAUTHBEARER options');
    expect(await read.connection.sasl.token()).toEqual({ value: 'a-token', extensions });
    const withExtensions = (names: Record<string, string>) =>
      issueAt({ sasl: { mechanism: 'oauthbearer', tokenFile, extensions: names } });
    expect(withExtensions({ auth: 'x' })).toBe('sasl.extensions.auth');
    expect(withExtensions({ pool2: 'x' })).toBe('sasl.extensions.pool2');
    expect(issueAt({ sasl: { mechanism: 'plain', username: 'u', extensions: { a: 'b' } } })).toBe(
      'sasl.extensions',
    );
  });
});

describe('Amazon MSK IAM authentication', () => {
  // AWS's documented example credentials: never valid anywhere.
  const keyId = 'AKIAIOSFODNN7EXAMPLE';
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  function tokenProvider(sasl: Record<string, unknown>) {
    const read = kafkaConnection(
      kafkaConfigSchema.parse({ tls: true, sasl: { mechanism: 'aws-msk-iam', ...sasl } }),
    );
    if (!read.ok) return read.reason;
    if (!read.connection.sasl || !('token' in read.connection.sasl))
      throw new Error('no OAUTHBEARER options');
    return read.connection.sasl.token;
  }

  /** The token's presigned URL, its signature checked here from the secret key (SigV4, written out). */
  function checkedToken(token: string, secretKey: string): URL {
    const url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
    const query = [...url.searchParams].filter(
      ([name]) => name !== 'X-Amz-Signature' && name !== 'User-Agent',
    );
    const encode = (text: string) =>
      encodeURIComponent(text).replace(
        /[!'()*]/g,
        (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
      );
    const canonicalQuery = query
      .map(([name, value]) => `${encode(name)}=${encode(value)}`)
      .sort()
      .join('&');
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    const canonicalRequest = ['GET', '/', canonicalQuery, `host:${url.host}`, '', 'host', sha256('')].join(
      '\n',
    );
    const amzDate = url.searchParams.get('X-Amz-Date')!;
    const [, day, region, service] = url.searchParams.get('X-Amz-Credential')!.split('/');
    const scope = `${day}/${region}/${service}/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
    const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();
    let key = hmac(`AWS4${secretKey}`, day!);
    for (const part of [region!, service!, 'aws4_request']) key = hmac(key, part);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(
      createHmac('sha256', key).update(toSign).digest('hex'),
    );
    return url;
  }

  it('signs a 15-minute kafka-cluster:Connect token for the region with the credentials of the default chain, anew at every authentication', async () => {
    process.env.AWS_ACCESS_KEY_ID = keyId;
    process.env.AWS_SECRET_ACCESS_KEY = secret;
    process.env.AWS_REGION = 'eu-west-1';
    const provider = tokenProvider({});
    if (typeof provider === 'string') throw new Error(provider);
    const first = await provider();
    const url = checkedToken(first.value, secret);
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      new RegExp(`^${keyId}/\\d{8}/eu-west-1/kafka-cluster/aws4_request$`),
    );
    // Rotated credentials (a web identity's, an instance role's) are taken up without a restart.
    process.env.AWS_ACCESS_KEY_ID = 'AKIAI44QH8DHBEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY';
    const second = checkedToken((await provider()).value, 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY');
    expect(second.searchParams.get('X-Amz-Credential')).toMatch(/^AKIAI44QH8DHBEXAMPLE\//);
  });

  it("uses a named profile's credentials, and the configured region over AWS_REGION", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hopwatch-aws-'));
    writeFileSync(
      join(dir, 'credentials'),
      `[hopwatch-reader]\naws_access_key_id = AKIAJ3EXAMPLEPROFILE\naws_secret_access_key = ${secret}\n`,
    );
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    process.env.AWS_REGION = 'us-east-1';
    const provider = tokenProvider({ profile: 'hopwatch-reader', region: 'ap-southeast-2' });
    if (typeof provider === 'string') throw new Error(provider);
    const url = checkedToken((await provider()).value, secret);
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIAJ3EXAMPLEPROFILE\/\d{8}\/ap-southeast-2\//,
    );
  });

  it('stops start-up naming the region when none is set, and says why no token could be signed', async () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    expect(tokenProvider({})).toBe(
      "config field kafka.sasl.region: aws-msk-iam signs for the cluster's region; set it, or AWS_REGION",
    );
    const dir = mkdtempSync(join(tmpdir(), 'hopwatch-aws-'));
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    const provider = tokenProvider({ region: 'eu-west-1', profile: 'absent' });
    if (typeof provider === 'string') throw new Error(provider);
    await expect(provider()).rejects.toThrow(/^aws-msk-iam: no token signed for eu-west-1: .*absent/);
  });
});
