import { parseRetryAfter } from './retry.js';

export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'rejected'; status: number; error: string }
  | { kind: 'http_error'; status: number; error: string; retryAfterMs: number | undefined }
  | { kind: 'redirect'; status: number; error: string }
  | { kind: 'timeout'; error: string }
  | { kind: 'network_error'; error: string };

export type AttemptRequest = {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  maxResponseBytes: number;
  now: number;
};

const ERROR_SNIPPET_CHARS = 200;

/**
 * One POST: never follows a redirect, gives up after `timeoutMs` (headers and body together) and reads
 * at most `maxResponseBytes` of the response. Every failure comes back as an outcome, never a throw.
 */
export async function sendAttempt(fetchImpl: typeof fetch, request: AttemptRequest): Promise<AttemptOutcome> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  let response: Response;
  try {
    response = await fetchImpl(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    if (signal.aborted) return { kind: 'timeout', error: `no response within ${request.timeoutMs} ms` };
    return { kind: 'network_error', error: `connection failed: ${networkErrorDetail(error)}` };
  }
  const text = await readBounded(response, request.maxResponseBytes).catch(() => '');
  return classifyResponse(response, text, request);
}

function classifyResponse(response: Response, text: string, request: AttemptRequest): AttemptOutcome {
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status >= 300 && status < 400) {
    return {
      kind: 'redirect',
      status,
      error: `redirect ${status} to ${redirectTarget(response, request.url)} not followed`,
    };
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, ERROR_SNIPPET_CHARS);
  const error = snippet === '' ? `HTTP ${status}` : `HTTP ${status}: ${snippet}`;
  if (status === 408 || status === 429 || status >= 500) {
    return {
      kind: 'http_error',
      status,
      error,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), request.now),
    };
  }
  return { kind: 'rejected', status, error };
}

function redirectTarget(response: Response, url: string): string {
  const location = response.headers.get('location');
  if (location === null) return 'nowhere';
  try {
    return new URL(location, url).host;
  } catch {
    return 'an unreadable location';
  }
}

// The cause's code (ECONNREFUSED, UND_ERR_SOCKET, …) says what happened without echoing the URL.
function networkErrorDetail(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : 'unknown error';
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}
