/**
 * Encoding: the result of encoding one input (or one pair).
 *
 * The data stays in Rust until a field is read; each field crosses once, as a typed array
 * built from the Rust Vec without a per-element copy, and is cached. Reading only `ids`
 * never pays for token strings or offsets.
 */
import type { InspectOptionsStylized } from 'node:util';
import { INSPECT, summary } from './inspect';
import type { NativeEncoding } from './native';

export type Offset = [start: number, end: number];

/** @internal Where an Encoding's fields come from: its NativeEncoding, or a batch row
 * (lib/batch.ts) that slices the numeric fields from batch-wide columns. */
export type EncodingSource = Pick<
  NativeEncoding,
  'length' | 'ids' | 'typeIds' | 'attentionMask' | 'specialTokensMask' | 'tokens' | 'offsets' | 'wordIds' | 'sequenceIds' | 'overflowing'
>;

export class Encoding {
  readonly #native: EncodingSource;
  #ids?: Uint32Array;
  #typeIds?: Uint32Array;
  #attentionMask?: Uint32Array;
  #specialTokensMask?: Uint32Array;
  #tokens?: string[];
  #offsets?: Offset[];
  #flatOffsets?: Uint32Array;
  #wordIds?: (number | null)[];
  #sequenceIds?: (number | null)[];
  #overflowing?: Encoding[];

  /** @internal Encodings come from `Tokenizer.encode` and friends. */
  constructor(native: EncodingSource) {
    this.#native = native;
  }

  /** Number of tokens, padding included. */
  get length(): number {
    return this.#native.length;
  }

  /** Token ids. */
  get ids(): Uint32Array {
    return (this.#ids ??= this.#native.ids());
  }

  /** Segment ids: 0 for the first sequence, 1 for the pair (where the tokenizer uses them). */
  get typeIds(): Uint32Array {
    return (this.#typeIds ??= this.#native.typeIds());
  }

  /** 1 for real tokens, 0 for padding. */
  get attentionMask(): Uint32Array {
    return (this.#attentionMask ??= this.#native.attentionMask());
  }

  /** 1 for tokens the post-processor added (BOS, [CLS], padding, …), 0 for text tokens. */
  get specialTokensMask(): Uint32Array {
    return (this.#specialTokensMask ??= this.#native.specialTokensMask());
  }

  /** Token strings as the vocabulary spells them (e.g. `Ġhello` for byte-level BPE). */
  get tokens(): string[] {
    return (this.#tokens ??= this.#native.tokens());
  }

  /**
   * `[start, end)` in UTF-16 code units of the input the token came from (the pair text for
   * tokens of the pair), so `text.slice(start, end)` is the token's source. Tokens that come
   * from no text (special tokens, padding) have `[0, 0]`. Byte-level tokens that cover part of
   * a multi-byte character get the whole character's span, so spans may repeat.
   */
  get offsets(): Offset[] {
    if (this.#offsets === undefined) {
      const flat = this.flatOffsets;
      const out: Offset[] = new Array(flat.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = [flat[2 * i]!, flat[2 * i + 1]!];
      this.#offsets = out;
    }
    return this.#offsets;
  }

  /**
   * `offsets` in one array, `[start0, end0, start1, end1, …]`: the same spans without a JS
   * array per token. On a long text, building `offsets` costs more than the encode itself;
   * this costs nothing once the text is encoded.
   */
  get flatOffsets(): Uint32Array {
    return (this.#flatOffsets ??= this.#native.offsets());
  }

  /** Index of the word (pre-tokenizer split) each token belongs to; null for special tokens. */
  get wordIds(): (number | null)[] {
    return (this.#wordIds ??= nullable(this.#native.wordIds()));
  }

  /** 0 or 1: which input each token belongs to; null for special tokens and padding. */
  get sequenceIds(): (number | null)[] {
    return (this.#sequenceIds ??= nullable(this.#native.sequenceIds()));
  }

  /** Windows cut off by truncation (with `stride` tokens of overlap), in order. */
  get overflowing(): Encoding[] {
    return (this.#overflowing ??= this.#native.overflowing().map((n) => new Encoding(n)));
  }

  /** `Encoding(3) { ids: Uint32Array(3) [...], tokens: [...] }`: the first few of each. */
  [INSPECT](depth: number, options: InspectOptionsStylized): string {
    const fields: Record<string, unknown> = { ids: this.ids, tokens: this.tokens };
    const overflowing = this.overflowing.length;
    if (overflowing > 0) fields.overflowing = `${overflowing} windows`;
    return summary(`Encoding(${this.length})`, fields, depth, options);
  }

  /** Plain-object form, for `JSON.stringify` and logging. */
  toJSON(): EncodingJSON {
    return {
      ids: Array.from(this.ids),
      tokens: this.tokens,
      offsets: this.offsets,
      typeIds: Array.from(this.typeIds),
      attentionMask: Array.from(this.attentionMask),
      specialTokensMask: Array.from(this.specialTokensMask),
      wordIds: this.wordIds,
      sequenceIds: this.sequenceIds,
      overflowing: this.overflowing.map((o) => o.toJSON()),
    };
  }
}

export interface EncodingJSON {
  ids: number[];
  tokens: string[];
  offsets: Offset[];
  typeIds: number[];
  attentionMask: number[];
  specialTokensMask: number[];
  wordIds: (number | null)[];
  sequenceIds: (number | null)[];
  overflowing: EncodingJSON[];
}

function nullable(a: Int32Array): (number | null)[] {
  const out: (number | null)[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! < 0 ? null : a[i]!;
  return out;
}
