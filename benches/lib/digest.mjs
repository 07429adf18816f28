/**
 * Output digests, so a timed result can be compared with ferrotok's without shipping the ids
 * between processes. The byte layout is fixed (little-endian u32 length, then the u32 ids or the
 * UTF-8 bytes) and mirrored in digest.py, so a Node and a Python peer hash equal outputs equally.
 */
import { createHash } from 'node:crypto';

export class Digest {
  #h = createHash('sha1');
  #len = Buffer.alloc(4);

  ids(ids) {
    const u32 = ids instanceof Uint32Array ? ids : Uint32Array.from(ids);
    this.#len.writeUInt32LE(u32.length);
    this.#h.update(this.#len);
    this.#h.update(new Uint8Array(u32.buffer, u32.byteOffset, u32.byteLength));
    return this;
  }

  text(s) {
    const b = Buffer.from(s, 'utf8');
    this.#len.writeUInt32LE(b.length);
    this.#h.update(this.#len);
    this.#h.update(b);
    return this;
  }

  hex() {
    return this.#h.digest('hex').slice(0, 16);
  }
}

export const idsDigest = (rows) => rows.reduce((d, r) => d.ids(r), new Digest()).hex();
export const textDigest = (texts) => texts.reduce((d, t) => d.text(t), new Digest()).hex();
export const countsDigest = (counts) => new Digest().ids(counts).hex();
