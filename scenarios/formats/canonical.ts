import type { HopEvent } from '../../schemas/hop-event.js';

/** Canonical records are HopEvents as JSON, one per line. */
export function canonicalRecord(event: HopEvent): string {
  return JSON.stringify(event);
}
