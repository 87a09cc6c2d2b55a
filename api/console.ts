import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { sendError } from './errors.js';

/**
 * Where `npm run build` put the console (console/build.mjs → dist/console): under dist/ when running
 * the sources (tests), beside dist/api when running built code. (The sources' own console/ folder
 * has no app.js.)
 */
export function consoleDirectory(): string | undefined {
  const candidates = ['../dist/console/', '../console/'].map((path) =>
    fileURLToPath(new URL(path, import.meta.url)),
  );
  return candidates.find((directory) => existsSync(`${directory}app.js`));
}

/**
 * The analyst console under /ui: static files, open like /docs (a browser cannot send a bearer token
 * when it opens a page); every piece of data it shows comes from the API with the token entered in it.
 */
export async function registerConsole(app: FastifyInstance, directory: string | undefined): Promise<void> {
  if (directory === undefined) {
    app.get('/ui/*', { schema: { hide: true } }, async (_request, reply) =>
      sendError(reply, 503, 'the console is not built: run npm run build'),
    );
  } else {
    await app.register(fastifyStatic, {
      root: directory,
      prefix: '/ui/',
      index: ['index.html'],
      decorateReply: false,
    });
  }
  app.get('/ui', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/ui/'));
}
