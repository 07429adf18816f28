/**
 * Digest of an encoding, as written by test/goldens/generate.py for the corpus blocks and the
 * generated texts. Both sides must build exactly this string:
 *
 *   "ids:" + ids.join(",")
 *   + "\ntokens:" + tokens.join("\u0001")
 *   + "\noffsets:" + offsets.map(([s, e]) => `${s}-${e}`).join(",")     (UTF-16 offsets)
 *   + "\ntype:" + typeIds.join(",")
 *   + "\nattn:" + attentionMask.join(",")
 *   + "\nspecial:" + specialTokensMask.join(",")
 *   + "\nwords:" + wordIds.map(w => w ?? "n").join(",")
 *   + "\nseq:" + sequenceIds.map(s => s ?? "n").join(",")
 *   and, only when there are overflowing encodings,
 *   + "\noverflowing:" + overflowing.map(digest).join(",")
 *
 * digest = first 32 hex chars of sha256 over the UTF-8 bytes of that string.
 */
import { createHash } from 'node:crypto';

/** The fields of an encoding as the goldens store them (plain arrays, UTF-16 offsets). */
export interface PlainEncoding {
  ids: number[];
  tokens: string[];
  offsets: [number, number][];
  typeIds: number[];
  attentionMask: number[];
  specialTokensMask: number[];
  wordIds: (number | null)[];
  sequenceIds: (number | null)[];
  overflowing: PlainEncoding[];
}

/** What ferrotok's Encoding offers (typed arrays for the numeric fields). */
export interface EncodingLike {
  ids: ArrayLike<number>;
  tokens: readonly string[];
  offsets: readonly (readonly [number, number])[];
  typeIds: ArrayLike<number>;
  attentionMask: ArrayLike<number>;
  specialTokensMask: ArrayLike<number>;
  wordIds: readonly (number | null | undefined)[];
  sequenceIds: readonly (number | null | undefined)[];
  overflowing: readonly EncodingLike[];
}

/** Copies an Encoding into plain arrays, the shape the goldens use, for deep equality. */
export function plain(e: EncodingLike): PlainEncoding {
  return {
    ids: Array.from(e.ids),
    tokens: Array.from(e.tokens),
    offsets: Array.from(e.offsets, ([s, t]) => [s, t] as [number, number]),
    typeIds: Array.from(e.typeIds),
    attentionMask: Array.from(e.attentionMask),
    specialTokensMask: Array.from(e.specialTokensMask),
    wordIds: Array.from(e.wordIds, (w) => w ?? null),
    sequenceIds: Array.from(e.sequenceIds, (s) => s ?? null),
    overflowing: Array.from(e.overflowing, plain),
  };
}

const join = (xs: ArrayLike<number>): string => Array.prototype.join.call(xs, ',');
const joinNullable = (xs: readonly (number | null | undefined)[]): string =>
  xs.map((x) => (x === null || x === undefined ? 'n' : String(x))).join(',');

/** The golden digest of an encoding (ferrotok's Encoding or a PlainEncoding). */
export function digest(e: EncodingLike | PlainEncoding): string {
  let s =
    'ids:' +
    join(e.ids) +
    '\ntokens:' +
    e.tokens.join('\u0001') +
    '\noffsets:' +
    e.offsets.map(([a, b]) => `${a}-${b}`).join(',') +
    '\ntype:' +
    join(e.typeIds) +
    '\nattn:' +
    join(e.attentionMask) +
    '\nspecial:' +
    join(e.specialTokensMask) +
    '\nwords:' +
    joinNullable(e.wordIds) +
    '\nseq:' +
    joinNullable(e.sequenceIds);
  if (e.overflowing.length > 0) {
    s += `\noverflowing:${e.overflowing.map((o: EncodingLike | PlainEncoding) => digest(o)).join(',')}`;
  }
  return createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 32);
}
