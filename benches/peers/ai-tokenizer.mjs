/** `ai-tokenizer`: pure JS BPE (Vercel AI SDK oriented), with its own `count`. */
import Tokenizer from 'ai-tokenizer';
import * as o200k_base from 'ai-tokenizer/encoding/o200k_base';

const ENCODINGS = { o200k_base };

export async function load(spec) {
  const tok = new Tokenizer(ENCODINGS[spec.tiktoken]);
  return {
    encode: (text) => tok.encode(text),
    count: (text) => tok.count(text),
    decode: (ids) => tok.decode(ids),
  };
}
