import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
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
  /** Answers only once this settles (a receiver holding requests). */
  heldUntil?: Promise<void>;
  /** Streams body chunks until the client hangs up. */
  endlessBody?: boolean;
};

/** Decides the reply to the n-th request (0-based). */
export type ReceiverScript = (request: ReceivedRequest, index: number) => ReceiverReply;

export type WebhookReceiver = {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Most requests that were open at the same time. */
  maxConcurrent(): number;
  close(): Promise<void>;
};

/** A real HTTP server on 127.0.0.1 that records every request and answers as scripted. */
export async function startWebhookReceiver(
  script: ReceiverScript = () => ({ status: 200 }),
  port = 0,
): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const delayed = new Set<NodeJS.Timeout>();
  let open = 0;
  let maxOpen = 0;
  const server = createServer((request, response) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    response.once('close', () => open--);
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
        if (response.destroyed) return;
        response.writeHead(reply.status, reply.headers);
        if (reply.endlessBody === true) streamForever(response);
        else response.end(reply.body ?? '');
      };
      if (reply.heldUntil !== undefined) return void reply.heldUntil.then(answer);
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
    maxConcurrent: () => maxOpen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of delayed) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function streamForever(response: ServerResponse): void {
  const chunk = Buffer.alloc(16 * 1024, 'x');
  const write = (): void => {
    while (!response.destroyed && response.write(chunk)) {
      // keep filling until the socket pushes back
    }
    if (!response.destroyed) response.once('drain', write);
  };
  write();
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
