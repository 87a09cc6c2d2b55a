import type { HopwatchConfig } from '../pipeline/config.js';
import { type ConfigResult, parseConfig } from '../pipeline/load-config.js';

/** `--sweep rate.maxAuthFailures=10,20,40`: one config parameter and the values to try. */
export type Sweep = { parameter: string; path: string[]; values: unknown[] };

const sweepPattern = /^([A-Za-z][\w.]*)=(.+)$/;
const numeric = /^-?\d+(\.\d+)?$/;

/**
 * Reads a sweep. The parameter is a path under `detectors` (`rate.maxAuthFailures`,
 * `fanout.baseline.zThreshold`, `allowedLatenessMs`) or a full path from the top (`lineage.graceMs`,
 * `detectors.fanout.windowMs`). Values are comma-separated; `|` separates the items of a list value.
 */
export function parseSweep(
  text: string,
  config: HopwatchConfig,
): { ok: true; sweep: Sweep } | { ok: false; reason: string } {
  const match = sweepPattern.exec(text.trim());
  if (!match) return { ok: false, reason: `--sweep ${text}: expected detector.param=a,b,c` };
  const parameter = match[1]!;
  const segments = parameter.split('.');
  const path =
    segments[0] === 'detectors' || segments[0] === 'lineage' ? segments : ['detectors', ...segments];
  const current = valueAt(config, path);
  if (current === undefined)
    return { ok: false, reason: `--sweep ${text}: no config parameter ${path.join('.')}` };
  const values = match[2]!.split(',').map((raw) => parseValue(raw.trim(), Array.isArray(current)));
  return { ok: true, sweep: { parameter: path.join('.'), path, values } };
}

/** The config with the swept parameter set to `value`, validated again so that a bad value names the field. */
export function configWith(config: HopwatchConfig, sweep: Sweep, value: unknown): ConfigResult {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  let node = copy;
  for (const key of sweep.path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[sweep.path[sweep.path.length - 1]!] = value;
  return parseConfig(copy);
}

function valueAt(config: HopwatchConfig, path: string[]): unknown {
  let node: unknown = config;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function parseValue(raw: string, list: boolean): unknown {
  if (list) return raw.split('|').filter((item) => item.length > 0);
  if (numeric.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}
