import type { Finding } from '../../schemas/finding.js';
import type { ResolvedHop } from '../../schemas/resolved-hop.js';
import { makeFinding, makeHop } from './store-fixtures.js';

/** What the writer child process writes, rebuilt by the test that checks it: same inputs, same rows. */
export function childFindings(first: number, count: number): Finding[] {
  return Array.from({ length: count }, (_, index) => makeFinding(first + index));
}

/** A three-hop trace per index, from `base` (epoch ms; recent, so that the hops TTL keeps them). */
export function childHops(first: number, count: number, base: number): ResolvedHop[] {
  return Array.from({ length: count }, (_, index) =>
    [0, 1, 2].map((depth) => makeHop(first + index, depth, base + (first + index) * 10 + depth)),
  ).flat();
}
