/**
 * BatchEncoding: the rows of a batch, plus — when every row has the same length, which
 * padding guarantees — flat `[batch, seqLen]` typed arrays ready to become model tensors.
 */
import type { InspectOptionsStylized } from 'node:util';
import { Encoding, type EncodingJSON, type EncodingSource } from './encoding';
import { INSPECT, summary } from './inspect';
import { describe } from './describe';
import { callNative, TokenizerError } from './errors';
import type { NativeBatch, NativeEncoding } from './native';

/** The numeric fields a row slices from a batch-wide column (NativeBatch.column's names). */
type Column = 'ids' | 'type_ids' | 'attention_mask' | 'special_tokens_mask';

/**
 * The batch's numeric fields, each fetched for every row in one native call on the first
 * row that reads it: a row's array is then a copy of its part (its own buffer, so it can be
 * transferred alone). One native object and one external buffer per row cost ~4 µs a row.
 */
class Columns {
  readonly #native: NativeBatch;
  #starts?: Uint32Array;
  readonly #columns = new Map<Column, Uint32Array>();

  constructor(native: NativeBatch) {
    this.#native = native;
  }

  get starts(): Uint32Array {
    return (this.#starts ??= callNative(() => this.#native.rowStarts()));
  }

  row(column: Column, index: number): Uint32Array {
    let all = this.#columns.get(column);
    if (all === undefined) {
      all = callNative(() => this.#native.column(column));
      this.#columns.set(column, all);
    }
    return all.slice(this.starts[index], this.starts[index + 1]);
  }
}

/** A row as an Encoding's source: numeric fields from the columns, the rest (tokens,
 * offsets, word ids, …) from the row's own native encoding, fetched on first need. */
class BatchRow implements EncodingSource {
  readonly #batch: NativeBatch;
  readonly #columns: Columns;
  readonly #index: number;
  #row?: NativeEncoding;

  constructor(batch: NativeBatch, columns: Columns, index: number) {
    this.#batch = batch;
    this.#columns = columns;
    this.#index = index;
  }

  get length(): number {
    return this.#columns.starts[this.#index + 1]! - this.#columns.starts[this.#index]!;
  }

  ids(): Uint32Array {
    return this.#columns.row('ids', this.#index);
  }

  typeIds(): Uint32Array {
    return this.#columns.row('type_ids', this.#index);
  }

  attentionMask(): Uint32Array {
    return this.#columns.row('attention_mask', this.#index);
  }

  specialTokensMask(): Uint32Array {
    return this.#columns.row('special_tokens_mask', this.#index);
  }

  tokens(): string[] {
    return this.#native().tokens();
  }

  offsets(): Uint32Array {
    return this.#native().offsets();
  }

  wordIds(): Int32Array {
    return this.#native().wordIds();
  }

  sequenceIds(): Int32Array {
    return this.#native().sequenceIds();
  }

  overflowing(): NativeEncoding[] {
    return this.#native().overflowing();
  }

  #native(): NativeEncoding {
    return (this.#row ??= callNative(() => this.#batch.row(this.#index)));
  }
}

export class BatchEncoding implements Iterable<Encoding> {
  readonly #native: NativeBatch;
  readonly #columns: Columns;
  readonly #rows: (Encoding | undefined)[];
  #inputIds?: Uint32Array;
  #attentionMask?: Uint32Array;
  #typeIds?: Uint32Array;
  #specialTokensMask?: Uint32Array;

  /** @internal Batches come from `Tokenizer.encodeBatch` and `encodeBatchAsync`. */
  constructor(native: NativeBatch) {
    this.#native = native;
    this.#columns = new Columns(native);
    this.#rows = new Array(native.length);
  }

  /** Number of rows. */
  get length(): number {
    return this.#rows.length;
  }

  /** Row `index` (negative counts from the end, like `Array.prototype.at`). */
  at(index: number): Encoding | undefined {
    if (typeof index !== 'number') throw new TokenizerError('INVALID_ARGUMENT', `index must be a number, got ${describe(index)}`);
    const i = Math.trunc(index) < 0 ? this.length + Math.trunc(index) : Math.trunc(index);
    if (!(i >= 0 && i < this.length)) return undefined;
    return (this.#rows[i] ??= new Encoding(new BatchRow(this.#native, this.#columns, i)));
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

  /** `BatchEncoding(2 × 7) { rows: [Encoding(7) {...}, …] }`: the first rows. */
  [INSPECT](depth: number, options: InspectOptionsStylized): string {
    const size = this.isRectangular ? `${this.length} × ${this.#native.seqLen}` : `${this.length}`;
    const rows = Array.from({ length: Math.min(this.length, ROWS_SHOWN) }, (_, i) => this.at(i)!);
    const fields: Record<string, unknown> = { rows };
    if (this.length > ROWS_SHOWN) fields.more = `${this.length - ROWS_SHOWN} more rows`;
    return summary(`BatchEncoding(${size})`, fields, depth, options);
  }

  /** The rows' plain-object forms (`Encoding.toJSON`), for `JSON.stringify`. */
  toJSON(): EncodingJSON[] {
    return [...this].map((row) => row.toJSON());
  }

  /** A field as int64 for ONNX feeds, built in Rust in one pass (no per-element BigInt in JS).
   * Throws `INVALID_ARGUMENT` for an unpadded batch of uneven rows. */
  toInt64(field: 'input_ids' | 'attention_mask' | 'token_type_ids'): BigInt64Array {
    if (field !== 'input_ids' && field !== 'attention_mask' && field !== 'token_type_ids') {
      throw new TokenizerError(
        'INVALID_ARGUMENT',
        `field must be 'input_ids', 'attention_mask' or 'token_type_ids', got ${describe(field)}`,
      );
    }
    return callNative(() => this.#native.fieldI64(field));
  }
}

/** Rows a summary shows: enough to see the shape without flooding the console. */
const ROWS_SHOWN = 3;

function ragged(): TokenizerError {
  return new TokenizerError(
    'INVALID_ARGUMENT',
    "rows have different lengths, so there is no [batch, seqLen] tensor; encode with padding: { strategy: 'longest' } (or 'max_length')",
  );
}
