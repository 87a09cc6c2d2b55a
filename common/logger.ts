import { type Logger, pino } from 'pino';

export type { Logger };

/** Logs go to stderr so that stdout stays clean for NDJSON output. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'hopwatch' } }, pino.destination(2));
}
