import { GlobSet } from '../common/glob.js';

const cacheLimit = 10_000;

/**
 * One detector's section for one credential: the configured section with every matching override
 * applied in order (later entries win). Results are cached per credential id.
 */
export class PerCredentialSettings<Section extends object> {
  private readonly matchers: Array<{ globs: GlobSet; patch: Partial<Section> }>;
  private readonly cache = new Map<string, Section>();

  constructor(
    private readonly base: Section,
    overrides: ReadonlyArray<{ match: string; patch: Partial<Section> }>,
    private readonly merge: (section: Section, patch: Partial<Section>) => Section,
  ) {
    this.matchers = overrides.map(({ match, patch }) => ({ globs: new GlobSet([match]), patch }));
  }

  for(credentialId: string): Section {
    if (this.matchers.length === 0) return this.base;
    const cached = this.cache.get(credentialId);
    if (cached !== undefined) return cached;
    let section = this.base;
    for (const { globs, patch } of this.matchers) {
      if (globs.matches(credentialId)) section = this.merge(section, patch);
    }
    if (this.cache.size >= cacheLimit) this.cache.clear();
    this.cache.set(credentialId, section);
    return section;
  }
}
