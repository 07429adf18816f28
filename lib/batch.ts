/**
 * BatchEncoding: the rows of a batch, plus — when every row has the same length, which
 * padding guarantees — flat `[batch, seqLen]` typed arrays ready to become model tensors.
 */
import { Encoding } from './encoding';
import { callNative, TokenizerError } from './errors';
import type { NativeBatch } from './native';

export class BatchEncoding implements Iterable<Encoding> {
  readonly #native: NativeBatch;
  readonly #rows: (Encoding | undefined)[];
  #inputIds?: Uint32Array;
  #attentionMask?: Uint32Array;
  #typeIds?: Uint32Array;
  #specialTokensMask?: Uint32Array;

  /** @internal Batches come from `Tokenizer.encodeBatch` and `encodeBatchAsync`. */
  constructor(native: NativeBatch) {
    this.#native = native;
    this.#rows = new Array(native.length);
  }

  /** Number of rows. */
  get length(): number {
    return this.#rows.length;
  }

  /** Row `index` (negative counts from the end, like `Array.prototype.at`). */
  at(index: number): Encoding | undefined {
    const i = Math.trunc(index) < 0 ? this.length + Math.trunc(index) : Math.trunc(index);
    if (!(i >= 0 && i < this.length)) return undefined;
    return (this.#rows[i] ??= new Encoding(callNative(() => this.#native.row(i))));
  }

  *[Symbol.iterator](): Iterator<Encoding> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!;
  }

  /** True when every row has the same length (always, once padded). */
  get isRectangular(): boolean {
    return this.#native.seqLen !== null;
  }

  /** `[batch, seqLen]`. Throws `INVALID_ARGUMENT` for an unpadded batch of uneven rows. */
  get dims(): [batch: number, seqLen: number] {
    const seqLen = this.#native.seqLen;
    if (seqLen === null) throw ragged();
    return [this.length, seqLen];
  }

  /** Row-major ids, `dims[0] * dims[1]` long. */
  get inputIds(): Uint32Array {
    return (this.#inputIds ??= callNative(() => this.#native.inputIds()));
  }

  get attentionMask(): Uint32Array {
    return (this.#attentionMask ??= callNative(() => this.#native.attentionMask()));
  }

  get typeIds(): Uint32Array {
    return (this.#typeIds ??= callNative(() => this.#native.typeIds()));
  }

  get specialTokensMask(): Uint32Array {
    return (this.#specialTokensMask ??= callNative(() => this.#native.specialTokensMask()));
  }

  /** A field as int64 for ONNX feeds, built in Rust in one pass (no per-element BigInt in JS).
   * Throws `INVALID_ARGUMENT` for an unpadded batch of uneven rows. */
  toInt64(field: 'input_ids' | 'attention_mask' | 'token_type_ids'): BigInt64Array {
    return callNative(() => this.#native.fieldI64(field));
  }
}

function ragged(): TokenizerError {
  return new TokenizerError(
    'INVALID_ARGUMENT',
    "rows have different lengths, so there is no [batch, seqLen] tensor; encode with padding: { strategy: 'longest' } (or 'max_length')",
  );
}
