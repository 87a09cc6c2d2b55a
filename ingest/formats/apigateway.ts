import { type Credential, credentialOf } from '../../schemas/hop-event.js';
import { xrayTraceId } from '../identity/trace-context.js';
import { type HopDraft, singleJsonHop } from './hop.js';
import { clfToMs, epochToMs } from './time.js';
import type { FormatAdapter } from './types.js';
import { isObject, type JsonObject, numeric, text } from './values.js';

/**
 * Amazon API Gateway access logs (REST and HTTP APIs) in JSON. The template is the user's, so keys are
 * read as the console's JSON preset names them (`requestId`, `requestTime`, `httpMethod`, …) and as
 * the README's template adds them (`requestTimeEpoch`, `userArn`, `apiKeyId`, `claims`, …); a value
 * API Gateway had none for is logged as `-`.
 */

/** `arn:aws:sts::<account>:assumed-role/<role>/<session>`: the role is the identity, the session one use of it. */
const assumedRole = /^arn:aws[\w-]*:sts::(\d+):assumed-role\/([^/]+)\/(.+)$/;

/** An IAM caller (SigV4): the role or user ARN, with an assumed role's session kept apart as its `jti`. */
function iamCredential(arn: string): Credential {
  const role = assumedRole.exec(arn);
  if (role === null) return credentialOf(`iam:${arn}`, 'service_account', { subject: arn });
  const [, account, name, session] = role;
  const subject = `arn:aws:iam::${account}:role/${name}`;
  return credentialOf(`iam:${subject}`, 'service_account', { subject, jti: session });
}

/** What API Gateway authenticated that is not a token: an IAM principal, an API key's id, a Lambda authorizer's principal. */
function authenticated(record: JsonObject): Credential | undefined {
  const userArn = text(record.userArn);
  if (userArn !== undefined) return iamCredential(userArn);
  const apiKeyId = text(record.apiKeyId);
  if (apiKeyId !== undefined)
    return credentialOf(`aws-api-key:${apiKeyId}`, 'api_key', { subject: apiKeyId });
  const principal = text(record.principalId);
  if (principal !== undefined)
    return credentialOf(`principal:${principal}`, 'unknown', { subject: principal });
  return undefined;
}

/** The authorizer's verified claims as logged (`$context.authorizer.claims.*`), without the ones it had no value for. */
function claimsOf(value: unknown): JsonObject | undefined {
  if (!isObject(value)) return undefined;
  const claims: JsonObject = {};
  for (const [name, claim] of Object.entries(value)) {
    if (text(claim) !== undefined) claims[name] = claim;
  }
  return 'sub' in claims || 'iss' in claims || 'client_id' in claims ? claims : undefined;
}

function startOf(record: JsonObject): number | string {
  const epoch = numeric(record.requestTimeEpoch);
  if (epoch !== undefined) return epochToMs(epoch);
  const time = text(record.requestTime);
  if (time === undefined) return 'requestTime is missing';
  const ts = clfToMs(time);
  return Number.isNaN(ts) ? 'requestTime is not a CLF time (10/Jun/2023:15:36:28 +0000)' : ts;
}

function apiGatewayDraft(record: JsonObject): HopDraft | string {
  const ts = startOf(record);
  if (typeof ts === 'string') return ts;
  const ip = text(record.ip) ?? text(record.sourceIp);
  const routeKey = text(record.routeKey);
  const user = text(record.user) ?? text(record.caller);
  return {
    ts,
    durationMs: numeric(record.responseLatency),
    method: text(record.httpMethod),
    target: text(record.path) ?? text(record.resourcePath),
    authority: text(record.domainName),
    service: text(record.domainName) ?? text(record.apiId),
    route: text(record.resourcePath) ?? routeKey,
    status: numeric(record.status),
    requestId: text(record.requestId),
    // A caller can set requestId (x-amzn-RequestId); extendedRequestId is API Gateway's own.
    hopId: text(record.extendedRequestId),
    traceId: xrayTraceId(text(record.xrayTraceId)),
    identity: {
      jwtClaims: claimsOf(record.claims),
      authenticated: authenticated(record),
      // The key itself (`$context.identity.apiKey`), should a template log it: fingerprinted, never kept.
      apiKey: text(record.apiKey),
      userName: user,
      ip,
    },
    ip,
    bytesOut: numeric(record.responseLength),
  };
}

const format = { name: 'apigateway', record: 'an API Gateway access log record' };

function isApiGatewayRecord(value: unknown): boolean {
  return (
    isObject(value) &&
    'httpMethod' in value &&
    ('requestId' in value || 'extendedRequestId' in value) &&
    ('requestTime' in value || 'requestTimeEpoch' in value)
  );
}

/** Amazon API Gateway's JSON access log (the console's JSON preset, or the README's template). */
export const apigateway: FormatAdapter = {
  name: 'apigateway',
  signature: 'a JSON object with `httpMethod`, `requestId` and `requestTime` or `requestTimeEpoch`',
  detect: (record) => record.kind === 'json' && isApiGatewayRecord(record.value),
  toHopEvents: (record, context) => singleJsonHop(record, context, format, apiGatewayDraft),
};
