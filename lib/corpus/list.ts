/**
 * Growable typed arrays for a shard's index (one entry per document): 4 or 8 bytes an entry
 * instead of a JS array's 8 plus its slack, which bounded a 1 GB shard's index at ~80 MB.
 */
type Typed = Uint32Array | Float64Array;

class List<T extends Typed> {
  #data: T;
  length = 0;

  constructor(readonly make: (n: number) => T) {
    this.#data = make(1024);
  }

  push(v: number): void {
    if (this.length === this.#data.length) {
      const next = this.make(this.#data.length * 2);
      next.set(this.#data);
      this.#data = next;
    }
    this.#data[this.length++] = v;
  }

  /** The entries as a view (valid until the next push). */
  view(): T {
    return this.#data.subarray(0, this.length) as T;
  }
}

/** Values below 2^32: sequence lengths, sequence counts. */
export class U32List extends List<Uint32Array> {
  constructor() {
    super((n) => new Uint32Array(n));
  }
}

/** Whole numbers below 2^53: token offsets. */
export class NumberList extends List<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
}
