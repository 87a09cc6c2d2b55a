import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hopwatchNodeFlags } from '../test/helpers/api-process.js';
import { median, type Repeat } from './measure.js';
import { type CaseResult, caseResult } from './results.js';
import type { Corpus } from './traffic.js';

const child = fileURLToPath(new URL('./detect-file-child.js', import.meta.url));
/** Issue 14: the whole `hopwatch detect` process at a third of bare parsing or better. */
const targetRatio = 0.33;

/** CPU seconds of one child process over `file`. */
async function childCpuSeconds(mode: 'detect' | 'parse', file: string, dir: string): Promise<number> {
  const cpuFile = join(dir, `${mode}.cpu.json`);
  await promisify(execFile)(process.execPath, [...hopwatchNodeFlags, child, mode, file], {
    env: { ...process.env, BENCH_CPU_FILE: cpuFile },
    maxBuffer: 256 * 1024 * 1024,
  });
  return (JSON.parse(readFileSync(cpuFile, 'utf8')) as { cpuSeconds: number }).cpuSeconds;
}

/**
 * Case 2b: `hopwatch detect FILE` over a file of hundreds of thousands of mixed agent traces, against
 * reading the same file line by line and JSON.parse-ing each line, both in CPU seconds of the whole
 * process (start-up included): records per CPU-second, median of alternating runs.
 */
export async function detectFileCase(
  corpus: Corpus,
  repeat: Repeat,
): Promise<{ results: CaseResult[]; note: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'hopwatch-bench-detect-'));
  try {
    const file = join(dir, `${corpus.format}.ndjson`);
    writeFileSync(file, `${corpus.lines.join('\n')}\n`);
    const records = corpus.lines.length;
    // Fresh processes need no warming up but the file's pages: one unrecorded pair.
    const seconds = { detect: [] as number[], parse: [] as number[] };
    const ratios: number[] = [];
    for (let run = -Math.min(1, repeat.warmups); run < repeat.runs; run++) {
      const parse = await childCpuSeconds('parse', file, dir);
      const detect = await childCpuSeconds('detect', file, dir);
      if (run < 0) continue;
      seconds.parse.push(parse);
      seconds.detect.push(detect);
      ratios.push(parse / detect);
    }
    const ratio = median(ratios);
    const detect = records / median(seconds.detect);
    const bare = records / median(seconds.parse);
    const megabytes = (statSync(file).size / 1024 ** 2).toFixed(0);
    return {
      results: [
        caseResult({
          name: `hopwatch detect FILE, ${corpus.format}`,
          value: detect,
          unit: 'records/CPU-s',
          baseline: bare,
          target: Math.round(targetRatio * bare),
        }),
      ],
      note: `hopwatch detect FILE: ${records.toLocaleString('en-US')} ${corpus.format} records (${megabytes} MB, ${corpus.hops.toLocaleString('en-US')} hops) in a file; \`hopwatch detect FILE\` and a bare reader (node:readline, JSON.parse of each line) each run as a child process started as users start hopwatch (${hopwatchNodeFlags.join(' ')}), alternating; CPU seconds of the whole process, start-up included; median ratio of the paired runs ${ratio.toFixed(3)} (target ≥ ${targetRatio}).`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
