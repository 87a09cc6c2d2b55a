import { IdleMap } from '../../common/idle-map.js';
import { JsonList, type JsonOut } from '../../common/json-slices.js';
import { formatDuration } from '../../common/text.js';
import type { Finding } from '../../schemas/finding.js';
import type { ResolvedHop } from '../../schemas/resolved-hop.js';
import { assessCount, type CountHistory, describeCount, emptyHistory, recordWindow } from '../baseline.js';
import { detectorComponent, type RestorableDetector } from '../component.js';
import { buildFinding, type FindingDraft } from '../finding.js';
import {
  countBounded,
  countEntries,
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
import { type DetectorContext, type DetectorNote, noFindings } from '../types.js';
import {
  type ClosedWindow,
  KeyedWindows,
  type WindowFields,
  type WindowLimit,
  type WindowPlace,
  windowTiming,
} from '../window.js';
import { AuthFailureBursts } from './auth-failures.js';
import { type RateConfig, rateDefaults, rateFields } from './config.js';
import { type RateSnapshot, rateSnapshotSchema } from './snapshot.js';

const related = 16;

type Subject = 'origin' | 'credential';

/** Requests of one origin credential (all hops of its lineage) or one hop credential in one window. */
type RateWindow = WindowPlace & {
  subject: Subject;
  id: string;
  requests: number;
  /** For an origin: the hop credentials used; for a credential: the origins it served. */
  related: KeyCounts;
  traces: Sample;
  sample: Sample;
  late: number;
};

const newWindow = (): RateWindow => ({
  key: '',
  start: 0,
  sizeMs: 0,
  subject: 'origin',
  id: '',
  requests: 0,
  related: noCounts,
  traces: noSample,
  sample: noSample,
  late: 0,
});

/** Request volume per origin and per hop credential against hard limits and their own baseline; 401/403 bursts. */
class RateDetector implements RestorableDetector<RateSnapshot> {
  readonly name = 'rate' as const;
  /** One set of windows per subject, keyed by the credential itself: no key is built per hop. */
  private readonly windows: SubjectWindows;
  private readonly history: IdleMap<CountHistory>;
  private readonly auth: AuthFailureBursts;

  constructor(private readonly context: DetectorContext<RateConfig>) {
    this.windows = new SubjectWindows(context.windowLimit);
    this.history = new IdleMap({
      idleMs: Number.MAX_SAFE_INTEGER,
      maxEntries: context.shared.maxTrackedKeys,
    });
    this.auth = new AuthFailureBursts(context);
  }

  observe(hop: ResolvedHop): void {
    this.count('origin', hop.originCredential, hop.credential.id, hop);
    this.count('credential', hop.credential.id, hop.originCredential, hop);
    if (hop.status === 401 || hop.status === 403) {
      this.auth.observe(hop, this.context.settingsFor(hop.credential.id));
    }
  }

  advance(watermark: number): readonly Finding[] {
    const origins = this.windows.origin.close(watermark);
    const credentials = this.windows.credential.close(watermark);
    const bursts = this.auth.close(watermark);
    if (origins.length === 0 && credentials.length === 0 && bursts.length === 0) return noFindings;
    const drafts: FindingDraft[] = [];
    const flaggedOrigins = new Set<string>();
    // Origins first: a credential that is itself the flagged origin would only repeat that finding.
    for (const window of origins) {
      const draft = this.judge(window);
      if (draft !== undefined) {
        drafts.push(draft);
        flaggedOrigins.add(`${window.start}\u0000${window.acc.id}`);
      }
    }
    for (const window of credentials) {
      const draft = this.judge(window);
      if (draft !== undefined && !flaggedOrigins.has(`${window.start}\u0000${window.acc.id}`))
        drafts.push(draft);
    }
    drafts.push(...bursts);
    if (drafts.length === 0) return noFindings;
    const detectedAt = this.context.now();
    return drafts.map((draft) => buildFinding(draft, detectedAt));
  }

  snapshot(): JsonOut<RateSnapshot> {
    return {
      windows: this.windows.snapshot(),
      history: this.history.snapshot((history) => history),
      auth: this.auth.snapshot(),
    };
  }

  restore(snapshot: RateSnapshot): void {
    this.windows.restore(snapshot.windows);
    this.history.restore(snapshot.history, (history) => history);
    this.auth.restore(snapshot.auth);
  }

  explain(hop: ResolvedHop): DetectorNote {
    const origin = this.windows.origin.peek(hop.originCredential, hop.ts);
    const credential = this.windows.credential.peek(hop.credential.id, hop.ts);
    const originLimit = this.context.settingsFor(hop.originCredential).maxRequestsPerOrigin;
    const credentialLimit = this.context.settingsFor(hop.credential.id).maxRequestsPerCredential;
    const failure = hop.status === 401 || hop.status === 403;
    return {
      counted: origin !== undefined,
      key: hop.originCredential,
      ...(origin === undefined ? {} : { window: { start: origin.start, end: origin.end } }),
      note:
        `Request ${origin?.acc.requests ?? 0} of origin ${hop.originCredential} and ${credential?.acc.requests ?? 0} of credential ${hop.credential.id} in the window so far` +
        (failure ? `; a ${hop.status}, counted towards its credential's authentication failures.` : '.'),
      counts: {
        originRequests: origin?.acc.requests ?? 0,
        maxRequestsPerOrigin: originLimit,
        credentialRequests: credential?.acc.requests ?? 0,
        maxRequestsPerCredential: credentialLimit,
        authFailure: failure,
      },
    };
  }

  stateSize(): number {
    return this.windows.origin.size + this.windows.credential.size + this.history.size + this.auth.size;
  }

  private count(subject: Subject, id: string, relatedId: string, hop: ResolvedHop): void {
    const config = this.context.settingsFor(id);
    const window = this.windows[subject].tumbling(id, hop.ts, config.windowMs);
    window.subject = subject;
    window.id = id;
    window.requests++;
    window.related = countBounded(window.related, relatedId, related);
    const { maxSamples } = this.context.shared;
    window.sample = addToSample(window.sample, hop.ts, hop.id, maxSamples);
    if (hop.traceId !== undefined)
      window.traces = addIdToSample(window.traces, hop.ts, hop.traceId, maxSamples);
  }

  /** Hard limit first; the baseline only speaks when the limit did not. Every window feeds the history. */
  private judge(closed: ClosedWindow<RateWindow>): FindingDraft | undefined {
    const window = closed.acc;
    const config = this.context.settingsFor(window.id);
    const key = subjectKey(window.subject, window.id);
    let history = this.history.touch(key, closed.start);
    if (history === undefined) {
      history = emptyHistory();
      this.history.set(key, history, closed.start);
    }
    const limit = window.subject === 'origin' ? config.maxRequestsPerOrigin : config.maxRequestsPerCredential;
    const overLimit = window.requests > limit;
    const baseline = overLimit ? describeCount(history, window.requests) : undefined;
    const { anomalous, assessment } = overLimit
      ? { anomalous: false, assessment: undefined }
      : assessCount(history, window.requests, config.baseline);
    // Learned whole only: not cut by the cap, and once (a source whose windows all come late is learned).
    if (!closed.partial)
      recordWindow(history, closed.start, window.requests, config.baseline.historySize, config.ewmaAlpha);
    const who = window.subject === 'origin' ? 'Origin' : 'Credential';
    const span = formatDuration(config.windowMs);
    if (overLimit) {
      return {
        ...this.draftBase(closed, key, window.subject === 'origin' ? 'origin_rate' : 'credential_rate'),
        baseSeverity: 'medium',
        excess: window.requests / limit,
        summary: `${who} ${window.id} made ${window.requests} requests in ${span} (limit ${limit}).`,
        evidence: { ...this.evidence(closed, config), limit, baseline: baseline ?? null },
      };
    }
    if (!anomalous || assessment === undefined) return undefined;
    return {
      ...this.draftBase(
        closed,
        key,
        window.subject === 'origin' ? 'origin_rate_anomaly' : 'credential_rate_anomaly',
      ),
      baseSeverity: 'low',
      excess: assessment.robustZ / config.baseline.zThreshold,
      summary: `${who} ${window.id} made ${window.requests} requests in ${span}, far above its usual ${assessment.median} (robust z ${assessment.robustZ.toFixed(1)}).`,
      evidence: { ...this.evidence(closed, config), limit, baseline: assessment },
    };
  }

  private draftBase(closed: ClosedWindow<RateWindow>, key: string, rule: string) {
    const window = closed.acc;
    const topOrigin = topCounts(window.related, 1)[0]?.key ?? window.id;
    return {
      detector: this.name,
      rule,
      key,
      originCredential: window.subject === 'origin' ? window.id : topOrigin,
      credential: window.subject === 'credential' ? window.id : undefined,
      traceIds: sampleIds(window.traces),
      windowStart: closed.start,
      windowEnd: closed.end,
    };
  }

  private evidence(closed: ClosedWindow<RateWindow>, config: RateConfig): Record<string, unknown> {
    const window = closed.acc;
    return {
      subject: window.subject,
      requests: window.requests,
      windowMs: config.windowMs,
      [window.subject === 'origin' ? 'credentials' : 'origins']: topCounts(window.related, 10),
      ...windowTiming(closed),
      sampleHopIds: sampleIds(window.sample),
    };
  }
}

/** Joined, so that the history keeps a flat string (see actionKey). */
function subjectKey(subject: Subject, id: string): string {
  return [subject, id].join('\u0000');
}

type SavedWindows = RateSnapshot['windows'];

/** The windows of origins and of hop credentials, saved as one set keyed by subject and id (as before they were split). */
class SubjectWindows {
  readonly origin: KeyedWindows<RateWindow>;
  readonly credential: KeyedWindows<RateWindow>;

  constructor(limit: WindowLimit) {
    this.origin = new KeyedWindows<RateWindow>(newWindow, limit);
    this.credential = new KeyedWindows<RateWindow>(newWindow, limit);
  }

  snapshot(): JsonOut<SavedWindows> {
    const save = (window: WindowFields<RateWindow>) => ({
      ...window,
      related: countEntries(window.related),
      traces: sampleEntries(window.traces),
      sample: sampleEntries(window.sample),
    });
    const origins = this.origin.snapshot(save);
    const credentials = this.credential.snapshot(save);
    const windows = new JsonList(function* () {
      for (const window of origins.windows) yield { ...window, key: subjectKey('origin', window.key) };
      for (const window of credentials.windows)
        yield { ...window, key: subjectKey('credential', window.key) };
    });
    // Both sets share the detector's limit, so either says when windows last closed early.
    const { closedUpTo, earlyUpTo } = origins;
    return { closedUpTo, ...(earlyUpTo === undefined ? {} : { earlyUpTo }), windows };
  }

  restore({ closedUpTo, earlyUpTo, windows }: SavedWindows): void {
    const load = (saved: SavedWindows['windows'][number]['acc']): WindowFields<RateWindow> => ({
      ...saved,
      related: countsFrom(saved.related),
      traces: sampleFrom(saved.traces),
      sample: sampleFrom(saved.sample),
    });
    for (const subject of ['origin', 'credential'] as const) {
      const own = windows
        .filter((window) => window.acc.subject === subject)
        .map((window) => ({ ...window, key: window.acc.id }));
      this[subject].restore({ closedUpTo, earlyUpTo, windows: own }, load);
    }
  }
}

export const rateDetector = detectorComponent({
  name: 'rate',
  configKey: 'rate',
  fields: rateFields,
  defaults: rateDefaults,
  snapshotSchema: rateSnapshotSchema,
  create: (context) => new RateDetector(context),
});
