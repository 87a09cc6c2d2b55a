import { lineageAttacks } from './attacks-lineage.js';
import { privilegeAttacks } from './attacks-privilege.js';
import { volumeAttacks } from './attacks-volume.js';
import { benignScenarios } from './benign-scenarios.js';
import type { Scenario } from './traffic.js';

/** Every scenario `hopwatch generate` knows, benign first. */
export const scenarios: readonly Scenario[] = [
  ...benignScenarios,
  ...lineageAttacks,
  ...privilegeAttacks,
  ...volumeAttacks,
];

export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((scenario) => scenario.name === name);
}
