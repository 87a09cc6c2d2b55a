import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  receivedAt: number;
};

export type ReceiverReply = {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
};

/** Decides the reply to the n-th request (0-based). */
export type ReceiverScript = (request: ReceivedRequest, index: number) => ReceiverReply;

export type WebhookReceiver = {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  close(): Promise<void>;
};

/** A real HTTP server on 127.0.0.1 that records every request and answers as scripted. */
export async function startWebhookReceiver(
  script: ReceiverScript = () => ({ status: 200 }),
  port = 0,
): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const delayed = new Set<NodeJS.Timeout>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        rawBody: Buffer.concat(chunks),
        receivedAt: Date.now(),
      };
      const reply = script(received, requests.length);
      requests.push(received);
      const answer = (): void => {
        response.writeHead(reply.status, reply.headers);
        response.end(reply.body ?? '');
      };
      if (reply.delayMs === undefined) return answer();
      const timer = setTimeout(() => {
        delayed.delete(timer);
        answer();
      }, reply.delayMs);
      delayed.add(timer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hooks/hopwatch`,
    port: bound,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of delayed) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port that was free a moment ago: for a receiver that is down at first and comes up later. */
export async function freePort(): Promise<number> {
  const receiver = await startWebhookReceiver();
  await receiver.close();
  return receiver.port;
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
