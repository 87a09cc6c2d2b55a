import { describe, expect, it } from 'vitest';
import { makeFinding, makeHop } from '../test/helpers/store-fixtures.js';
import { FindingHops } from './hop-policy.js';

const T0 = Date.UTC(2026, 10, 1);
const ids = (hops: ReadonlyArray<{ id: string }>) => hops.map((hop) => hop.id);

describe('store.hops: findings', () => {
  it('holds a trace until a finding names it, then hands over the whole trace and lets its later hops through', () => {
    const policy = new FindingHops({ holdMs: 60_000, maxTraces: 10 });
    expect(policy.admit(makeHop(1, 0, T0))).toBe(false);
    expect(policy.admit(makeHop(1, 1, T0 + 5))).toBe(false);
    expect(policy.admit(makeHop(2, 0, T0 + 10))).toBe(false);
    const finding = makeFinding(0, { traceIds: [makeHop(1, 0, T0).traceId!] });
    expect(ids(policy.release(finding))).toEqual(['trace-00000001-0', 'trace-00000001-1']);
    expect(policy.admit(makeHop(1, 2, T0 + 20))).toBe(true);
    expect(policy.release(finding)).toEqual([]);
    expect(policy.dropped).toBe(0);
  });

  it('drops, and counts, what no finding named once the detectors are holdMs past it, hops without a trace, and the longest-waiting traces past the cap', () => {
    const policy = new FindingHops({ holdMs: 60_000, maxTraces: 2 });
    policy.admit(makeHop(1, 0, T0));
    policy.admit(makeHop(1, 1, T0 + 1));
    policy.expire(T0 + 60_000);
    expect(policy.dropped).toBe(0);
    policy.expire(T0 + 60_002);
    expect(policy.dropped).toBe(2);
    expect(policy.admit(makeHop(3, 0, T0 + 70_000, { traceId: undefined }))).toBe(false);
    expect(policy.dropped).toBe(3);
    for (const trace of [4, 5, 6]) policy.admit(makeHop(trace, 0, T0 + 70_000 + trace));
    expect(policy.dropped).toBe(4);
    const named = policy.release(makeFinding(0, { traceIds: ['trace-00000004', 'trace-00000006'] }));
    expect(ids(named)).toEqual(['trace-00000006-0']);
  });
});
