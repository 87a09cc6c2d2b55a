/** Key under which the global setup provides the test broker's `host:port` addresses. */
export const kafkaBrokersKey = 'kafkaBrokers';

declare module 'vitest' {
  export interface ProvidedContext {
    [kafkaBrokersKey]: string[];
  }
}
