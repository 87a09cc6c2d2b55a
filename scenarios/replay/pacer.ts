/** Replay speed: a multiple of real time, or `max` (no waiting at all). */
export type Speed = number | 'max';

export function parseSpeed(text: string): Speed | undefined {
  if (text === 'max') return 'max';
  const speed = Number(text.endsWith('x') ? text.slice(0, -1) : text);
  return Number.isFinite(speed) && speed > 0 ? speed : undefined;
}

/**
 * Keeps the gaps between records' event times, divided by the speed: the first timed record sets the
 * origin, and every later one is due that much event time later in wall time. Records that are out
 * of order or have no time are due at once.
 */
export class Pacer {
  private eventOrigin: number | undefined;
  private wallOrigin = 0;

  constructor(
    private readonly speed: Speed,
    private readonly now: () => number,
  ) {}

  /** A new timeline (the next file). */
  reset(): void {
    this.eventOrigin = undefined;
  }

  /** Milliseconds to wait before a record with event time `ts` is due. */
  delayFor(ts: number | undefined): number {
    if (ts === undefined || this.speed === 'max') return 0;
    if (this.eventOrigin === undefined) {
      this.eventOrigin = ts;
      this.wallOrigin = this.now();
      return 0;
    }
    return Math.max(0, this.wallOrigin + (ts - this.eventOrigin) / this.speed - this.now());
  }
}
