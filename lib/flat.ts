/**
 * FlatIds: the ids of many texts in one buffer (CSR layout) — what `encodeBatchIds` returns.
 * One Uint32Array for the whole batch instead of one array per row: no per-row allocation
 * crosses the boundary, and rows are zero-copy views.
 */
import { invalidArgument } from './errors';
import { describe } from './options';

export class FlatIds implements Iterable<Uint32Array> {
  /** Every row's ids, concatenated. */
  readonly ids: Uint32Array;
  /** `offsets[i]..offsets[i + 1]` is row i in `ids`; `offsets.length === length + 1`. */
  readonly offsets: Uint32Array;

  /** @internal */
  constructor(ids: Uint32Array, offsets: Uint32Array) {
    this.ids = ids;
    this.offsets = offsets;
  }

  /** Number of rows. */
  get length(): number {
    return this.offsets.length - 1;
  }

  /** Row i's ids: a view into `ids`, not a copy. */
  row(i: number): Uint32Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw invalidArgument(`row index must be an integer in [0, ${this.length}), got ${describe(i)}`);
    }
    return this.ids.subarray(this.offsets[i]!, this.offsets[i + 1]!);
  }

  /** Token count of each row. */
  lengths(): Uint32Array {
    const out = new Uint32Array(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.offsets[i + 1]! - this.offsets[i]!;
    return out;
  }

  *[Symbol.iterator](): Iterator<Uint32Array> {
    for (let i = 0; i < this.length; i++) yield this.row(i);
  }
}
