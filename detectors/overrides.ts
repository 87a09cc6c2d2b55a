import type { DetectorOverride, DetectorsConfig } from './config.js';
import { GlobSet } from './glob.js';

export type DetectorSections = Pick<DetectorsConfig, 'fanout' | 'recursion' | 'scopeExpansion' | 'rate'>;

const sectionNames = ['fanout', 'recursion', 'scopeExpansion', 'rate'] as const;
const cacheLimit = 10_000;

/**
 * Detector settings for one credential: the defaults with every matching override applied in order
 * (later entries win, nested baseline fields merged). Results are cached per credential id.
 */
export class DetectorSettings {
  private readonly matchers: Array<{ globs: GlobSet; override: DetectorOverride }>;
  private readonly cache = new Map<string, DetectorSections>();

  constructor(private readonly config: DetectorsConfig) {
    this.matchers = config.overrides.map((override) => ({ globs: new GlobSet([override.match]), override }));
  }

  get base(): DetectorSections {
    return this.config;
  }

  for(credentialId: string): DetectorSections {
    if (this.matchers.length === 0) return this.config;
    const cached = this.cache.get(credentialId);
    if (cached !== undefined) return cached;
    let sections: DetectorSections = this.config;
    for (const { globs, override } of this.matchers) {
      if (globs.matches(credentialId)) sections = applyOverride(sections, override);
    }
    if (this.cache.size >= cacheLimit) this.cache.clear();
    this.cache.set(credentialId, sections);
    return sections;
  }
}

function applyOverride(sections: DetectorSections, override: DetectorOverride): DetectorSections {
  const merged: DetectorSections = { ...sections };
  for (const name of sectionNames) {
    const patch = override[name];
    if (patch === undefined) continue;
    const current = sections[name] as Record<string, unknown>;
    const next: Record<string, unknown> = { ...current, ...patch };
    if ('baseline' in patch && typeof current.baseline === 'object') {
      next.baseline = { ...(current.baseline as object), ...(patch.baseline as object) };
    }
    (merged as Record<string, unknown>)[name] = next;
  }
  return merged;
}
