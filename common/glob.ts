import { BoundedMemo } from './bounded-memo.js';

const regexSpecial = /[.+^${}()|[\]\\]/g;

/** `*` any run of characters (slashes and colons included), `?` exactly one; everything else literal. */
export function globToRegExp(pattern: string, caseInsensitive = false): RegExp {
  const body = pattern.replace(regexSpecial, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'i' : '');
}

/** Values whose answer a set remembers: the same few tool, scope and service names come back on every hop. */
const rememberedValues = 4_096;

/** Compiles the patterns once; the matcher is then used per event. */
export class GlobSet {
  private readonly expressions: RegExp[];
  private readonly answers = new BoundedMemo((value: string) => this.test(value), rememberedValues);

  constructor(patterns: readonly string[], caseInsensitive = false) {
    this.expressions = patterns.map((pattern) => globToRegExp(pattern, caseInsensitive));
  }

  matches(value: string): boolean {
    return this.expressions.length > 0 && this.answers.of(value);
  }

  private test(value: string): boolean {
    for (const expression of this.expressions) {
      if (expression.test(value)) return true;
    }
    return false;
  }

  get isEmpty(): boolean {
    return this.expressions.length === 0;
  }
}

/** One compiled GlobSet per pattern list (per-credential overrides bring their own lists). */
export class GlobCache {
  private readonly compiled = new WeakMap<readonly string[], GlobSet>();

  constructor(
    private readonly caseInsensitive: boolean,
    private readonly normalize: (pattern: string) => string = (pattern) => pattern,
  ) {}

  get(patterns: readonly string[]): GlobSet {
    let globs = this.compiled.get(patterns);
    if (globs === undefined) {
      globs = new GlobSet(patterns.map(this.normalize), this.caseInsensitive);
      this.compiled.set(patterns, globs);
    }
    return globs;
  }
}
