import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../common/atomic-file.js';
import { globToRegExp } from '../common/glob.js';
import type { Finding } from '../schemas/finding.js';
import { expiryMs, type Silence, type SilenceSpec, silenceSchema } from '../schemas/silence.js';

type Compiled = { silence: Silence; credential: RegExp | null };

/** Where silences made through the API are kept: `<dataDir>/silences.json`, rewritten atomically. */
export function silencesFile(dataDir: string): string {
  return join(dataDir, 'silences.json');
}

/**
 * The silences in force: the configured ones and those made through the API (kept in a file, so they
 * survive restarts). `match` runs for every finding raised; expiry is wall time.
 */
export class SilenceBook {
  private compiled: Compiled[] = [];

  private constructor(
    private readonly configured: Silence[],
    private made: Silence[],
    private readonly file: string,
    private readonly now: () => number,
  ) {
    this.compile();
  }

  /** Reads the API's silences from `file` (none when it does not exist yet). */
  static async open(specs: readonly SilenceSpec[], file: string, now: () => number): Promise<SilenceBook> {
    const configured = specs.map((spec, index) => silenceFrom(spec, `config:${index + 1}`, 'config', 0));
    const made = await readSilences(file);
    return new SilenceBook(configured, made, file, now);
  }

  /** The silence in force that matches the finding, if any. */
  match(finding: Finding): Silence | undefined {
    if (this.compiled.length === 0) return undefined;
    const now = this.now();
    for (const { silence, credential } of this.compiled) {
      if (silence.expiresAt <= now) continue;
      if (silence.detector !== null && silence.detector !== finding.detector) continue;
      if (silence.rule !== null && silence.rule !== finding.rule) continue;
      if (credential !== null && !credential.test(finding.originCredential)) continue;
      return silence;
    }
    return undefined;
  }

  /** Every silence, expired ones included until the file forgets them (a day after expiry). */
  list(): Silence[] {
    return [...this.configured, ...this.made];
  }

  async add(spec: SilenceSpec): Promise<Silence> {
    const now = this.now();
    const silence = silenceFrom(spec, randomUUID(), 'api', now);
    await this.save([...this.made.filter((kept) => kept.expiresAt > now - DAY_MS), silence]);
    return silence;
  }

  /** Ends an API silence now; false when there is no such silence (configured ones end by editing the config). */
  async expire(id: string): Promise<Silence | undefined> {
    const found = this.made.find((silence) => silence.id === id);
    if (found === undefined) return undefined;
    const ended = { ...found, expiresAt: Math.min(found.expiresAt, this.now()) };
    await this.save(this.made.map((silence) => (silence.id === id ? ended : silence)));
    return ended;
  }

  private async save(made: Silence[]): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(made, null, 2)}\n`);
    this.made = made;
    this.compile();
  }

  private compile(): void {
    this.compiled = this.list().map((silence) => ({
      silence,
      credential: silence.credential === null ? null : globToRegExp(silence.credential),
    }));
  }
}

const DAY_MS = 86_400_000;

function silenceFrom(spec: SilenceSpec, id: string, source: Silence['source'], createdAt: number): Silence {
  return {
    id,
    credential: spec.credential ?? null,
    detector: spec.detector ?? null,
    rule: spec.rule ?? null,
    expiresAt: expiryMs(spec.expiresAt),
    reason: spec.reason.trim(),
    createdAt,
    source,
  };
}

async function readSilences(file: string): Promise<Silence[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not JSON (fix or remove it: it holds the silences made through the API)`);
  }
  const parsed = z.array(silenceSchema).safeParse(value);
  if (!parsed.success)
    throw new Error(`${file}: not a list of silences (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}
