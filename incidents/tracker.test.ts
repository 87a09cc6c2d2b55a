import { describe, expect, it } from 'vitest';
import type { Finding, Severity } from '../schemas/finding.js';
import type { Incident } from '../schemas/incident.js';
import { findingFixture } from '../test/helpers/webhook-findings.js';
import { IncidentTracker, incidentId } from './tracker.js';

const MINUTE = 60_000;
const T0 = 1_760_000_000_000;
const quietMs = 15 * MINUTE;

function finding(id: string, minute: number, extra: Partial<Finding> = {}): Finding {
  return findingFixture({
    id,
    originCredential: 'key:agent-a',
    windowStart: T0 + minute * MINUTE - MINUTE,
    windowEnd: T0 + minute * MINUTE,
    ...extra,
  });
}

function tracker(maxOpen = 100): { incidents: Incident[]; tracker: IncidentTracker } {
  const incidents: Incident[] = [];
  return { incidents, tracker: new IncidentTracker({ quietMs, maxOpen }, (i) => incidents.push(i)) };
}

const changes = (incidents: Incident[]) => incidents.map((i) => `${i.change}@${i.version}:${i.severity}`);

describe('incidents in event time', () => {
  it('groups the findings of one credential while it is open and resolves it after the quiet period', () => {
    const { incidents, tracker: t } = tracker();
    const id = t.add(finding('f1', 0));
    expect(id).toBe(incidentId('key:agent-a', 'f1'));
    expect(t.add(finding('f2', 10))).toBe(id);
    expect(t.add(finding('f3', 24))).toBe(id);
    t.advance(T0 + 24 * MINUTE + quietMs);
    expect(t.size()).toBe(1);
    t.advance(T0 + 24 * MINUTE + quietMs + 1);
    expect(t.size()).toBe(0);
    expect(changes(incidents)).toEqual([
      'opened@1:high',
      'joined@2:high',
      'joined@3:high',
      'resolved@4:high',
    ]);
    expect(incidents.at(-1)).toMatchObject({
      state: 'resolved',
      findingCount: 3,
      firstSeenAt: T0 - MINUTE,
      lastSeenAt: T0 + 24 * MINUTE,
      resolvedAt: T0 + 24 * MINUTE + quietMs,
    });
  });

  it('opens a new incident for a finding past the quiet period, even before the watermark resolved the old one', () => {
    const { incidents, tracker: t } = tracker();
    const first = t.add(finding('f1', 0));
    const second = t.add(finding('f2', 16));
    expect(second).not.toBe(first);
    expect(incidents.map((i) => [i.id === first ? 'first' : 'second', i.change])).toEqual([
      ['first', 'opened'],
      ['first', 'resolved'],
      ['second', 'opened'],
    ]);
  });

  it('escalates on a higher severity or a new detector, and only joins otherwise', () => {
    const { incidents, tracker: t } = tracker();
    const at = (id: string, minute: number, severity: Severity, detector = 'fanout') =>
      t.add(finding(id, minute, { severity, detector, rule: `${detector}-rule` }));
    at('f1', 0, 'medium');
    at('f2', 1, 'low');
    at('f3', 2, 'high');
    at('f4', 3, 'high', 'rate');
    at('f5', 4, 'medium', 'rate');
    expect(changes(incidents)).toEqual([
      'opened@1:medium',
      'joined@2:medium',
      'escalated@3:high',
      'escalated@4:high',
      'joined@5:high',
    ]);
    const last = incidents.at(-1)!;
    expect(last.detectors).toEqual(['fanout', 'rate']);
    expect(last.rules).toEqual(['fanout/fanout-rule', 'rate/rate-rule']);
    expect(last.highlights.map((h) => `${h.findingId}:${h.severity}`)).toEqual(['f3:high', 'f4:high']);
  });

  it('keeps credentials apart and resolves the quietest first when too many are open', () => {
    const { incidents, tracker: t } = tracker(2);
    t.add(finding('a', 0, { originCredential: 'key:a' }));
    t.add(finding('b', 1, { originCredential: 'key:b' }));
    t.add(finding('c', 2, { originCredential: 'key:c' }));
    expect(t.size()).toBe(2);
    expect(incidents.filter((i) => i.change === 'resolved').map((i) => i.originCredential)).toEqual([
      'key:a',
    ]);
  });

  it('produces the same versions however the watermark moved, and resumes from its snapshot', () => {
    const findings = [finding('f1', 0), finding('f2', 5), finding('f3', 30), finding('f4', 31)];
    const once = tracker();
    for (const f of findings) once.tracker.add(f);
    once.tracker.advance(T0 + 120 * MINUTE);

    const stepped = tracker();
    const resumed: Incident[] = [...stepped.incidents];
    for (const [index, f] of findings.entries()) {
      stepped.tracker.advance(f.windowEnd - 1);
      stepped.tracker.add(f);
      if (index === 1) {
        const copy = JSON.parse(JSON.stringify(stepped.tracker.snapshot()));
        const next = new IncidentTracker({ quietMs, maxOpen: 100 }, (i) => resumed.push(i), copy);
        resumed.unshift(...stepped.incidents);
        stepped.tracker = next;
      }
    }
    stepped.tracker.advance(T0 + 120 * MINUTE);
    expect(resumed).toEqual(once.incidents);
    expect(changes(once.incidents)).toEqual([
      'opened@1:high',
      'joined@2:high',
      'resolved@3:high',
      'opened@1:high',
      'joined@2:high',
      'resolved@3:high',
    ]);
  });
});
