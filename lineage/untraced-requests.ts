import FlatQueue from 'flatqueue';
import type { HopEvent } from '../schemas/hop-event.js';
import {
  loggedAt,
  mergeObservations,
  type ObservationPoints,
  observationPoint,
  overlapWithin,
  withPoint,
} from './observations.js';
import type { ServiceNames } from './service-name.js';

type Waiting = {
  hop: HopEvent;
  requestId: string;
  service: string;
  /** See HopNode.observers. */
  points: ObservationPoints;
  released: boolean;
};

/**
 * Hops with a request id but no trace context (a mesh without tracing still stamps `x-request-id`),
 * held until every record that started no later than them has arrived (watermark > ts), so that the
 * same request logged at another observation point merges into them. Then each is its own root.
 * Nothing is kept once a hop is released.
 */
export class UntracedRequests {
  private readonly byRequest = new Map<string, Waiting[]>();
  private readonly due = new FlatQueue<Waiting>();

  constructor(
    private readonly names: ServiceNames,
    private readonly skewMs: number,
  ) {}

  get size(): number {
    return this.due.length;
  }

  /** Holds `hop` (of request `requestId`); returns false when it merged into a held record of the same request. */
  hold(hop: HopEvent, requestId: string): boolean {
    const service = this.names.of(hop.destination.service);
    const point = observationPoint(hop);
    const sameId = this.byRequest.get(requestId);
    const end = spanEnd(hop);
    const twin = sameId?.find(
      (held) =>
        held.service === service &&
        !loggedAt(held.points, point) &&
        overlapWithin(held.hop.ts, spanEnd(held.hop), hop.ts, end, this.skewMs),
    );
    if (twin !== undefined) {
      twin.hop = mergeObservations(twin.hop, hop);
      twin.points = withPoint(twin.points, point);
      return false;
    }
    const waiting: Waiting = { hop, requestId, service, points: point, released: false };
    if (sameId === undefined) this.byRequest.set(requestId, [waiting]);
    else sameId.push(waiting);
    this.due.push(waiting, hop.ts + 1);
    return true;
  }

  /** The held hops the watermark has passed, in (ts, id) order, forgotten from here on. */
  release(watermark: number): readonly HopEvent[] {
    // Asked at every move of the watermark; almost always nothing is due, and then nothing is allocated.
    if (!this.dueBy(watermark)) return noneDue;
    const ready: HopEvent[] = [];
    while (this.dueBy(watermark)) {
      const waiting = this.due.pop()!;
      waiting.released = true;
      ready.push(waiting.hop);
      const { requestId } = waiting;
      const rest = this.byRequest.get(requestId)?.filter((held) => !held.released) ?? [];
      if (rest.length === 0) this.byRequest.delete(requestId);
      else this.byRequest.set(requestId, rest);
    }
    return ready.sort((a, b) => (a.ts - b.ts !== 0 ? a.ts - b.ts : a.id < b.id ? -1 : 1));
  }

  /** Whether the earliest held hop is due at `watermark`. */
  private dueBy(watermark: number): boolean {
    const next = this.due.peekValue();
    return next !== undefined && next <= watermark;
  }

  /** Every held hop, for snapshots. */
  held(): HopEvent[] {
    return [...this.byRequest.values()].flat().map((waiting) => waiting.hop);
  }
}

const noneDue: readonly HopEvent[] = Object.freeze([]);

const spanEnd = (hop: HopEvent): number => hop.ts + (hop.durationMs ?? 0);
