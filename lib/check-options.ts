/**
 * Options objects are checked key by key: a key ferrotok does not know is an error, never
 * ignored. Plain JS callers get no help from the type checker, and the habits of other
 * libraries (`skip_special_tokens`, `max_length`) would otherwise be dropped without a word
 * while the call runs with the defaults.
 */
import { invalidArgument } from './errors';
import { describe } from './describe';

/** The known keys of an options type; a `Record` of them so the compiler proves the list
 * complete (a key added to the interface and not here fails the build). */
export type KeysOf<T> = Record<keyof Required<T>, true>;

export function optionKeys<T>(keys: KeysOf<T>): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/**
 * Throws INVALID_ARGUMENT when `value` is neither undefined nor a plain object, or holds a
 * key outside `known`; `where` names it in the message (`options`, `options.padding`).
 */
export function checkOptions(value: unknown, known: readonly string[], where = 'options'): void {
  if (value === undefined) return;
  checkObject(value, where);
  for (const key of Object.keys(value as object)) {
    if (!known.includes(key)) throw unknownOption(key, known, where);
  }
}

/** An object that is not an array (options, nested options, template variables). */
export function checkObject(value: unknown, where: string): asserts value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArgument(`${where} must be an object, got ${describe(value)}`);
  }
}

function unknownOption(key: string, known: readonly string[], where: string): Error {
  const prefix = where === 'options' ? '' : `${where.replace(/^options\./, '')}.`;
  const guess = closest(key, known);
  const hint =
    guess === undefined
      ? `; known options${prefix === '' ? '' : ` of ${prefix.slice(0, -1)}`}: ${known.map((k) => `\`${k}\``).join(', ')}`
      : `; did you mean \`${prefix}${guess}\`?`;
  return invalidArgument(`unknown option \`${prefix}${key}\`${hint}`);
}

/**
 * The known key a caller most likely meant: snake_case or another spelling of a camelCase
 * key (`max_length`, `MaxLength` → `maxLength`) first, else the nearest by edit distance when
 * it is close enough to be a typo (at most a third of the key, and at most 3 edits).
 */
export function closest(key: string, known: readonly string[]): string | undefined {
  const folded = fold(key);
  const same = known.find((k) => fold(k) === folded);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.max(1, Math.floor(folded.length / 3)));
  for (const k of known) {
    const d = editDistance(folded, fold(k));
    if (d <= bestDistance) [best, bestDistance] = [k, d - 1];
  }
  return best;
}

/** Case, `_` and `-` ignored: every spelling of one name folds to the same string. */
function fold(s: string): string {
  return s.toLowerCase().replace(/[_-]/g, '');
}

/** Levenshtein distance, one row at a time (keys are short; this is not a hot path). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, substitution));
    }
    prev = row;
  }
  return prev[b.length]!;
}
