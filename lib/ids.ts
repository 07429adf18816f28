/**
 * Token ids from callers: number[], any integer typed array (ONNX outputs are BigInt64Array),
 * or a Uint32Array, which passes to Rust without a copy. Everything is checked here, so a NaN,
 * negative or fractional id is an INVALID_ARGUMENT naming its index, never a silent wrap.
 */
import { invalidArgument } from './errors';
import { describe } from './options';

export type TokenIds =
  | readonly number[]
  | Uint32Array
  | Int32Array
  | Uint16Array
  | Int16Array
  | Uint8Array
  | Int8Array
  | Float64Array
  | Float32Array
  | BigInt64Array
  | BigUint64Array;

const MAX_ID = 0xffff_ffff;

export function toUint32Ids(ids: unknown, name = 'ids'): Uint32Array {
  if (ids instanceof Uint32Array) return ids;
  if (ids instanceof Uint8Array || ids instanceof Uint16Array) return Uint32Array.from(ids);
  if (ids instanceof BigInt64Array || ids instanceof BigUint64Array) return fromBigInts(ids, name);
  if (
    Array.isArray(ids) ||
    ids instanceof Int8Array ||
    ids instanceof Int16Array ||
    ids instanceof Int32Array ||
    ids instanceof Float32Array ||
    ids instanceof Float64Array
  ) {
    return fromNumbers(ids as ArrayLike<unknown>, name);
  }
  throw invalidArgument(`${name} must be an array of token ids or an integer typed array, got ${describe(ids)}`);
}

function fromNumbers(ids: ArrayLike<unknown>, name: string): Uint32Array {
  // Checked before the copy is allocated: a sparse `new Array(2 ** 32 - 1)` is a bad id at
  // index 0, not a 16 GB allocation that fails with a RangeError.
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_ID) {
      throw invalidArgument(`${name}[${i}] is ${describe(id)}; token ids are integers from 0 to ${MAX_ID}`);
    }
  }
  return Uint32Array.from(ids as ArrayLike<number>);
}

function fromBigInts(ids: BigInt64Array | BigUint64Array, name: string): Uint32Array {
  const out = new Uint32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0n || id > BigInt(MAX_ID)) {
      throw invalidArgument(`${name}[${i}] is ${id}; token ids are integers from 0 to ${MAX_ID}`);
    }
    out[i] = Number(id);
  }
  return out;
}
