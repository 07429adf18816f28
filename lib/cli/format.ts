/** Text made safe to print in one cell of a line-oriented table. */

// Control characters and line/paragraph separators would break the one-token-per-line layout.
const UNPRINTABLE = /[\p{Cc}\u2028\u2029]/gu;
const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function escapeControls(s: string): string {
  return s.replace(UNPRINTABLE, (c) => NAMED[c] ?? `\\u{${c.codePointAt(0)!.toString(16).padStart(4, '0')}}`);
}

/** Quoted, so leading/trailing spaces and empty slices are visible; `"` and `\` escaped to keep it unambiguous. */
export function quote(s: string): string {
  return `"${escapeControls(s.replace(/[\\"]/g, (c) => `\\${c}`))}"`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
