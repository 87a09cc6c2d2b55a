type Sample = { at: number; records: number; events: number };

/**
 * Throughput between the moments 10 % and 90 % of what was consumed in the end had been consumed:
 * the steady middle, without the consumer group's join at the start or the last partitions' tail.
 */
export class SustainedRate {
  private readonly samples: Sample[] = [];

  add(records: number, events = records, at = performance.now()): void {
    this.samples.push({ at, records, events });
  }

  consumed(): number {
    return this.samples.at(-1)?.records ?? 0;
  }

  perSecond(): { records: number; events: number } {
    const total = this.consumed();
    const low = this.samples.find((sample) => sample.records >= total * 0.1);
    const high = this.samples.find((sample) => sample.records >= total * 0.9);
    if (low === undefined || high === undefined || high.at <= low.at) throw new Error('too few samples');
    const seconds = (high.at - low.at) / 1000;
    return { records: (high.records - low.records) / seconds, events: (high.events - low.events) / seconds };
  }
}
