import cliProgress from 'cli-progress';

/** What replay reports as it goes: records sent of the total, rate and time left. */
export interface ReplayProgress {
  start(total: number): void;
  advance(records: number, file: string): void;
  stop(): void;
}

/** A progress bar on a terminal; plain progress lines (at most one per `everyMs`) anywhere else. */
export function createProgress(
  stream: NodeJS.WriteStream,
  now: () => number,
  everyMs = 5_000,
): ReplayProgress {
  return stream.isTTY ? new BarProgress(stream, now) : new LineProgress(stream, now, everyMs);
}

class BarProgress implements ReplayProgress {
  private readonly bar: cliProgress.SingleBar;
  private sent = 0;
  private startedAt = 0;

  constructor(
    stream: NodeJS.WriteStream,
    private readonly now: () => number,
  ) {
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'replay [{bar}] {value}/{total} records | {rate} rec/s | ETA {eta_formatted} | {file}',
        etaBuffer: 200,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(total: number): void {
    this.startedAt = this.now();
    this.bar.start(total, 0, { rate: '0', file: '' });
  }

  advance(records: number, file: string): void {
    this.sent += records;
    const seconds = (this.now() - this.startedAt) / 1000;
    const rate = seconds > 0 ? (this.sent / seconds).toFixed(0) : '0';
    this.bar.update(this.sent, { file: file.slice(file.lastIndexOf('/') + 1), rate });
  }

  stop(): void {
    this.bar.stop();
  }
}

class LineProgress implements ReplayProgress {
  private total = 0;
  private sent = 0;
  private startedAt = 0;
  private lastLine = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly now: () => number,
    private readonly everyMs: number,
  ) {}

  start(total: number): void {
    this.total = total;
    this.startedAt = this.now();
    this.lastLine = this.startedAt;
  }

  advance(records: number, file: string): void {
    this.sent += records;
    const now = this.now();
    if (now - this.lastLine < this.everyMs && this.sent < this.total) return;
    this.lastLine = now;
    this.stream.write(`${progressLine(this.sent, this.total, now - this.startedAt)} (${file})\n`);
  }

  stop(): void {}
}

/** `replay: 1200/4000 records (30%), 240 rec/s, ETA 12 s` */
export function progressLine(sent: number, total: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (sent * 1000) / elapsedMs : 0;
  const percent = total > 0 ? Math.floor((sent * 100) / total) : 100;
  const eta = rate > 0 ? `${Math.ceil((total - sent) / rate)} s` : '?';
  return `replay: ${sent}/${total} records (${percent}%), ${rate.toFixed(0)} rec/s, ETA ${eta}`;
}
