import type { GeneratedScenario } from '../generate.js';
import type { ScenarioFormat } from '../traffic.js';
import { canonicalRecord } from './canonical.js';

/** The scenario's events as lines of raw records in `format`, each parsing back into the same hops. */
export function serializeScenario(generated: GeneratedScenario, format: ScenarioFormat): string[] {
  switch (format) {
    case 'canonical':
      return generated.events.map(canonicalRecord);
    default:
      throw new Error(`format ${format} is not serialisable yet`);
  }
}
