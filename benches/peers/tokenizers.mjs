/** `tokenizers`: the official Hugging Face Node binding (napi-rs over the same Rust crate). Async-only API. */
import { createRequire } from 'node:module';

const { Tokenizer } = createRequire(import.meta.url)('tokenizers');
const NO_SPECIAL = { addSpecialTokens: false };

export async function load(spec) {
  const tok = Tokenizer.fromFile(spec.file);
  return {
    async: true,
    encode: async (text) => (await tok.encode(text, null, NO_SPECIAL)).getIds(),
    decode: (ids) => tok.decode(Array.from(ids), false),
    batch: {
      encodeBatch: { parallel: true, async: true, run: async (texts) => (await tok.encodeBatch(texts, NO_SPECIAL)).map((e) => e.getIds()) },
    },
  };
}
