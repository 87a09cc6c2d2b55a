import { describe, expect, it } from 'vitest';
import type { HopEvent } from '../schemas/hop-event.js';
import { type ResolvedHop, resolvedHopOf } from '../schemas/resolved-hop.js';
import { apiKey, hop } from '../test/kits/detectors/traffic.js';
import { CallKeys, callKey, DestinationKeys, destinationKey } from './hop-keys.js';

function resolved(event: HopEvent): ResolvedHop {
  return resolvedHopOf(event, {
    originCredential: event.credential.id,
    originConfidence: 'exact',
    parentId: undefined,
    parentInferred: false,
    depth: 0,
    path: [],
    upstream: undefined,
  });
}

function routed(event: HopEvent, route: string): HopEvent {
  return { ...event, destination: { ...event.destination, route } };
}

const base = { ts: 0, credential: apiKey('k1'), from: 'planner', to: 'tools' };

/** Calls that differ in one part each, and two that are one call (the query string is not the route). */
const calls: ResolvedHop[] = [
  resolved(hop({ ...base, id: 'a', path: '/search?q=1' })),
  resolved(hop({ ...base, id: 'b', path: '/search?q=2' })),
  resolved(hop({ ...base, id: 'c', path: '/search', method: 'POST' })),
  resolved(hop({ ...base, id: 'd', path: '/mcp', tool: 'lookup' })),
  resolved(hop({ ...base, id: 'e', path: '/mcp', tool: '' })),
  resolved(hop({ ...base, id: 'f', path: '/mcp' })),
  resolved(hop({ ...base, id: 'g', to: 'tickets', path: '/search' })),
  resolved(hop({ ...base, id: 'h', from: undefined, path: '/search' })),
  resolved(routed(hop({ ...base, id: 'i', path: '/v1/tickets/7' }), '/v1/tickets/{id}')),
];

describe('call keys', () => {
  it('hands out the key callKey builds, one string for every hop of the same call', () => {
    const keys = new CallKeys(100);
    const got = calls.map((call) => keys.of(call));
    expect(got).toEqual(calls.map(callKey));
    expect(got[0]).toBe(got[1]);
    expect(new Set(got).size).toBe(calls.length - 1);
    // The same string object again: windows counting the call compare it by identity.
    expect(keys.of(calls[3]!)).toBe(got[3]);
  });

  it('starts over past its limit and still gives each call its key', () => {
    const keys = new CallKeys(2);
    for (let round = 0; round < 3; round++) {
      expect(calls.map((call) => keys.of(call))).toEqual(calls.map(callKey));
    }
  });

  it('hands out destination keys as destinationKey builds them, one string a tool', () => {
    const keys = new DestinationKeys(2);
    for (let round = 0; round < 3; round++) {
      expect(calls.map((call) => keys.of(call))).toEqual(calls.map(destinationKey));
    }
    const again = new DestinationKeys();
    expect(again.of(calls[3]!)).toBe(again.of(calls[3]!));
  });
});
