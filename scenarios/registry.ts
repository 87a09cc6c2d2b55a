import { lineageAttacks } from './attacks-lineage.js';
import { privilegeAttacks } from './attacks-privilege.js';
import { volumeAttacks } from './attacks-volume.js';
import { benignScenarios } from './benign-scenarios.js';
import { incidentDrill } from './incident-drill.js';
import type { Scenario } from './traffic.js';

/** Every scenario `hopwatch generate` knows, benign first. */
export const scenarios: readonly Scenario[] = [
  ...benignScenarios,
  ...lineageAttacks,
  ...privilegeAttacks,
  ...volumeAttacks,
];

/** Scenarios named on their own only: they mix the others, so they are not part of `all`. */
export const drills: readonly Scenario[] = [incidentDrill];

export function findScenario(name: string): Scenario | undefined {
  return [...scenarios, ...drills].find((scenario) => scenario.name === name);
}
