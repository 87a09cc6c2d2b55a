import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export const logFormats = ['auto', 'json', 'pretty'] as const;
/** `auto`: pretty on a terminal, JSON lines (for a log pipeline) anywhere else. */
export type LogFormat = (typeof logFormats)[number];

/** Logs go to stderr so that stdout stays clean for NDJSON output. */
export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  return pino({ level, base: { app: 'hopwatch' } }, pretty ? prettyStream() : pino.destination(2));
}

/** pino-pretty, loaded only when asked for: a process logging JSON never pays for it. */
function prettyStream(): DestinationStream {
  const build = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
  return build({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,app',
  });
}
