import { BoundedMemo } from './bounded-memo.js';

const regexSpecial = /[.+^${}()|[\]\\]/g;

/** `*` any run of characters (slashes and colons included), `?` exactly one; everything else literal. */
export function globToRegExp(pattern: string, caseInsensitive = false): RegExp {
  const body = pattern.replace(regexSpecial, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'i' : '');
}

/** Values whose answer a remembering set keeps: the same few tool, scope and service names come back on every hop. */
const rememberedValues = 4_096;

/** Compiles the patterns once; the matcher is then used per event. */
export class GlobSet {
  private readonly expressions: RegExp[];
  private readonly answers: BoundedMemo<boolean> | undefined;

  /** `remember`: answers for recent values are kept (matchers asked about the same names on every hop). */
  constructor(patterns: readonly string[], caseInsensitive = false, remember = false) {
    this.expressions = patterns.map((pattern) => globToRegExp(pattern, caseInsensitive));
    this.answers = remember ? new BoundedMemo((value) => this.test(value), rememberedValues) : undefined;
  }

  matches(value: string): boolean {
    if (this.expressions.length === 0) return false;
    return this.answers === undefined ? this.test(value) : this.answers.of(value);
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

/** One compiled GlobSet per pattern list (per-credential overrides bring their own lists), remembering its answers. */
export class GlobCache {
  private readonly compiled = new WeakMap<readonly string[], GlobSet>();

  constructor(
    private readonly caseInsensitive: boolean,
    private readonly normalize: (pattern: string) => string = (pattern) => pattern,
  ) {}

  get(patterns: readonly string[]): GlobSet {
    let globs = this.compiled.get(patterns);
    if (globs === undefined) {
      globs = new GlobSet(patterns.map(this.normalize), this.caseInsensitive, true);
      this.compiled.set(patterns, globs);
    }
    return globs;
  }
}
