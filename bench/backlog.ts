import { normalizeRecord } from '../ingest/normalize.js';
import { mixedRecords, scenarioRuns } from './traffic.js';

export type KeyedRecord = { key: string | undefined; line: string };
type BaseRecord = { key: ShiftableRecord | undefined; line: ShiftableRecord };

/**
 * One pass over the text: an ISO time | epoch ns (OTLP) or ms | a 32-hex trace id or a UUID (hop and
 * request ids: a copy that kept them would be a duplicate of the original, judged once).
 */
const shiftable =
  /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z)|(?<![\w.])(17\d{17}|17\d{11})(?![\w.])|(?<![0-9a-f-])([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![0-9a-f-])/g;
const dayMs = 86_400_000;

type Shiftable = { kind: 'iso' | 'epoch' | 'trace'; text: string; millis: number };

/**
 * A raw record cut, once, around what a copy changes: times (ISO, epoch ms, OTLP epoch ns), 32-hex
 * trace ids and UUIDs. Rendering a copy then only joins pieces, so that a long backlog costs one generation
 * and one regex pass per generated record, not one per copy.
 */
export class ShiftableRecord {
  private readonly texts: string[] = [];
  private readonly parts: Shiftable[] = [];

  constructor(readonly line: string) {
    let last = 0;
    for (const match of line.matchAll(shiftable)) {
      const [text, iso, epoch] = match;
      this.texts.push(line.slice(last, match.index));
      last = match.index + text.length;
      if (iso !== undefined) this.parts.push({ kind: 'iso', text, millis: Date.parse(iso) });
      else if (epoch !== undefined) this.parts.push({ kind: 'epoch', text, millis: 0 });
      else this.parts.push({ kind: 'trace', text, millis: 0 });
    }
    this.texts.push(line.slice(last));
  }

  /** The record `shiftMs` later in event time, its trace ids renamed for copy number `copy`. */
  render(copy: number, shiftMs: number): string {
    if (copy === 0) return this.line;
    const prefix = copy.toString(16).padStart(4, '0');
    let out = this.texts[0]!;
    for (let index = 0; index < this.parts.length; index++) {
      out += shifted(this.parts[index]!, prefix, shiftMs) + this.texts[index + 1]!;
    }
    return out;
  }
}

function shifted(part: Shiftable, prefix: string, shiftMs: number): string {
  if (part.kind === 'iso') return new Date(part.millis + shiftMs).toISOString();
  if (part.kind === 'trace') return prefix + part.text.slice(4);
  if (part.text.length === 13) return String(Number(part.text) + shiftMs);
  return (BigInt(part.text) + BigInt(shiftMs) * 1_000_000n).toString();
}

/** Mixed-format scenario traffic (each scenario in its own format) repeated, copy after copy, in event time. */
export class Backlog {
  private readonly base: BaseRecord[];
  private readonly copyShiftMs: number;

  constructor(seed: number, rate: number) {
    const runs = [...scenarioRuns(seed, rate)];
    this.base = runs.flatMap(mixedRecords).map(({ key, line }) => ({
      key: key === undefined ? undefined : new ShiftableRecord(key),
      line: new ShiftableRecord(line),
    }));
    const first = runs[0]!.start;
    const last = Math.max(...runs.map((run) => run.end));
    this.copyShiftMs = Math.ceil((last - first) / dayMs + 1) * dayMs;
    this.checkShift();
  }

  get baseSize(): number {
    return this.base.length;
  }

  /** Records `from` (inclusive) to `to` (exclusive) of the endless backlog. */
  slice(from: number, to: number): KeyedRecord[] {
    const records: KeyedRecord[] = [];
    for (let index = from; index < to; index++) {
      const copy = Math.floor(index / this.base.length);
      const record = this.base[index % this.base.length]!;
      records.push({
        key: record.key?.render(copy, 0),
        line: record.line.render(copy, copy * this.copyShiftMs),
      });
    }
    return records;
  }

  /** The text shift must move every event by exactly the shift: checked on the base through the real adapters. */
  private checkShift(): void {
    const step = Math.max(1, Math.floor(this.base.length / 500));
    for (let index = 0; index < this.base.length; index += step) {
      const { line } = this.base[index]!;
      const before = normalizeRecord(line.line);
      const after = normalizeRecord(line.render(1, this.copyShiftMs));
      if (!before.ok || !after.ok || before.events.length !== after.events.length)
        throw new Error(`bench backlog: a shifted record no longer normalizes (record ${index})`);
      before.events.forEach((event, at) => {
        if (after.events[at]!.ts !== event.ts + this.copyShiftMs)
          throw new Error(`bench backlog: record ${index} did not move by the shift`);
      });
    }
  }
}
