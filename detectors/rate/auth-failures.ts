import { IdleMap } from '../../common/idle-map.js';
import type { JsonOut } from '../../common/json-slices.js';
import { formatDuration } from '../../common/text.js';
import type { ResolvedHop } from '../../schemas/resolved-hop.js';
import type { FindingDraft } from '../finding.js';
import {
  countBounded,
  countEntries,
  countedKeys,
  countsFrom,
  type KeyCounts,
  noCounts,
  topCounts,
} from '../key-counts.js';
import {
  addIdToSample,
  addToSample,
  noSample,
  type Sample,
  sampleEntries,
  sampleFrom,
  sampleIds,
} from '../sample.js';
import type { DetectorContext } from '../types.js';
import { type ClosedWindow, KeyedWindows, type WindowPlace, windowTiming } from '../window.js';
import type { RateConfig } from './config.js';
import type { AuthSnapshot } from './snapshot.js';

const targetsTracked = 64;

type AuthWindow = WindowPlace & {
  credential: string;
  failures: number;
  statuses: KeyCounts;
  targets: KeyCounts;
  origins: KeyCounts;
  traces: Sample;
  sample: Sample;
  late: number;
};

const newWindow = (): AuthWindow => ({
  key: '',
  start: 0,
  sizeMs: 0,
  credential: '',
  failures: 0,
  statuses: noCounts,
  targets: noCounts,
  origins: noCounts,
  traces: noSample,
  sample: noSample,
  late: 0,
});

/**
 * Bursts of 401/403 answers per credential (probing), in sliding windows so that a burst across a
 * window boundary is still seen. One burst, one finding: while overlapping windows of the credential
 * stay over the limit they extend the burst instead of raising again.
 */
export class AuthFailureBursts {
  private readonly windows: KeyedWindows<AuthWindow>;
  /** Credential → end of the last window of its current burst. */
  private readonly suppressedUntil: IdleMap<number>;

  constructor(private readonly context: DetectorContext<RateConfig>) {
    this.windows = new KeyedWindows<AuthWindow>(newWindow, context.windowLimit);
    const { maxTrackedKeys } = context.shared;
    this.suppressedUntil = new IdleMap({ idleMs: context.config.authWindowMs, maxEntries: maxTrackedKeys });
  }

  get size(): number {
    return this.windows.size + this.suppressedUntil.size;
  }

  observe(hop: ResolvedHop, config: RateConfig): void {
    const { maxSamples } = this.context.shared;
    const target = `${hop.destination.method} ${hop.destination.service}${hop.destination.path}`;
    for (const window of this.windows.sliding(
      hop.credential.id,
      hop.ts,
      config.authWindowMs,
      config.authSlideMs,
    )) {
      window.credential = hop.credential.id;
      window.failures++;
      window.statuses = countBounded(window.statuses, String(hop.status), targetsTracked);
      window.targets = countBounded(window.targets, target, targetsTracked);
      window.origins = countBounded(window.origins, hop.originCredential, targetsTracked);
      window.sample = addToSample(window.sample, hop.ts, hop.id, maxSamples);
      if (hop.traceId !== undefined)
        window.traces = addIdToSample(window.traces, hop.ts, hop.traceId, maxSamples);
    }
  }

  close(watermark: number): FindingDraft[] {
    const drafts: FindingDraft[] = [];
    for (const closed of this.windows.close(watermark)) {
      const config = this.context.settingsFor(closed.acc.credential);
      if (closed.acc.failures <= config.maxAuthFailures) continue;
      const quietUntil = this.suppressedUntil.peek(closed.key);
      this.suppressedUntil.set(closed.key, closed.end, closed.end);
      if (quietUntil === undefined || closed.start >= quietUntil) drafts.push(burstDraft(closed, config));
    }
    this.suppressedUntil.expire(watermark);
    return drafts;
  }

  snapshot(): JsonOut<AuthSnapshot> {
    return {
      windows: this.windows.snapshot((window) => ({
        ...window,
        statuses: countEntries(window.statuses),
        targets: countEntries(window.targets),
        origins: countEntries(window.origins),
        traces: sampleEntries(window.traces),
        sample: sampleEntries(window.sample),
      })),
      suppressed: this.suppressedUntil.snapshot((until) => until),
    };
  }

  restore(snapshot: AuthSnapshot): void {
    this.windows.restore(snapshot.windows, (saved) => ({
      ...saved,
      statuses: countsFrom(saved.statuses),
      targets: countsFrom(saved.targets),
      origins: countsFrom(saved.origins),
      traces: sampleFrom(saved.traces),
      sample: sampleFrom(saved.sample),
    }));
    this.suppressedUntil.restore(snapshot.suppressed, (until) => until);
  }
}

function burstDraft(closed: ClosedWindow<AuthWindow>, config: RateConfig): FindingDraft {
  const window = closed.acc;
  const targets = countedKeys(window.targets);
  // Failures spread over many targets look like probing rather than one broken client.
  const spread = targets > 5 ? 2 : 1;
  return {
    detector: 'rate',
    rule: 'auth_failure_burst',
    key: closed.key,
    baseSeverity: 'medium',
    excess: (window.failures / config.maxAuthFailures) * spread,
    originCredential: topCounts(window.origins, 1)[0]?.key ?? window.credential,
    credential: window.credential,
    traceIds: sampleIds(window.traces),
    windowStart: closed.start,
    windowEnd: closed.end,
    summary: `Credential ${window.credential} got ${window.failures} authentication/authorization failures (401/403) on ${targets} target(s) within ${formatDuration(config.authWindowMs)} (limit ${config.maxAuthFailures}): probing.`,
    evidence: {
      failures: window.failures,
      limit: config.maxAuthFailures,
      windowMs: config.authWindowMs,
      statuses: Object.fromEntries(countEntries(window.statuses)),
      distinctTargets: targets,
      topTargets: topCounts(window.targets, 10),
      origins: topCounts(window.origins, 10),
      ...windowTiming(closed),
      sampleHopIds: sampleIds(window.sample),
    },
  };
}
