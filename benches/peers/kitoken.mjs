/**
 * `kitoken`: a Rust tokenizer compiled to WASM (`kitoken/node`, which reads its .wasm from disk
 * and has the faster split strategies). It converts a tokenizer.json itself
 * (`Kitoken.from_tokenizers`), so it runs on every tokenizer here; `encode_all` is its batch call
 * (a loop inside the WASM module: no threads).
 */
import { readFileSync } from 'node:fs';
import { Kitoken } from 'kitoken/node';

const utf8 = new TextDecoder();

export async function load(spec) {
  const tok = Kitoken.from_tokenizers(readFileSync(spec.file));
  return {
    encode: (text) => tok.encode(text, false),
    decode: (ids) => utf8.decode(tok.decode(ids instanceof Uint32Array ? ids : Uint32Array.from(ids), false)),
    batch: {
      encode_all: { run: (texts) => tok.encode_all(texts, false) },
    },
  };
}
