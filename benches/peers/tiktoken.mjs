/** `tiktoken` (npm): OpenAI's Rust tiktoken compiled to WASM. Ranks ship inside the package. */
import { get_encoding } from 'tiktoken';

const utf8 = new TextDecoder();

export async function load(spec) {
  const enc = get_encoding(spec.tiktoken);
  return {
    encode: (text) => enc.encode_ordinary(text),
    decode: (ids) => utf8.decode(enc.decode(ids)),
  };
}
