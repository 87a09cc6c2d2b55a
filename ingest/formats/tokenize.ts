const space = 32;
const quote = 34;
const backslash = 92;
const openBracket = 91;
const closeBracket = 93;

/**
 * Splits an access-log text line on spaces, keeping `"…"` (with `\"` inside) and `[…]` groups whole.
 * Tokens keep their quotes or brackets so that callers can tell `"-"` from `-`; `unquote` strips them.
 * An unterminated group runs to the end of the line.
 */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let index = 0;
  while (index < line.length) {
    const char = line.charCodeAt(index);
    if (char === space) {
      index++;
      continue;
    }
    const start = index;
    if (char === quote) {
      index++;
      while (index < line.length && line.charCodeAt(index) !== quote) {
        index += line.charCodeAt(index) === backslash ? 2 : 1;
      }
      index++;
    } else if (char === openBracket) {
      const close = line.indexOf(']', index);
      index = close < 0 ? line.length : close + 1;
      // `[2001:db8::1]:443` is one token: an address and its port.
      while (index < line.length && line.charCodeAt(index) !== space) index++;
    } else {
      while (index < line.length && line.charCodeAt(index) !== space) index++;
    }
    tokens.push(line.slice(start, Math.min(index, line.length)));
  }
  return tokens;
}

export function isQuoted(token: string | undefined): boolean {
  return token !== undefined && token.charCodeAt(0) === quote;
}

/** The value inside a quoted or bracketed token (unterminated ones too), or the bare token itself. */
export function unquote(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const first = token.charCodeAt(0);
  if (first !== quote && first !== openBracket) return token;
  const last = token.charCodeAt(token.length - 1);
  const closed = token.length > 1 && (last === quote || last === closeBracket);
  return token.slice(1, closed ? -1 : undefined);
}
