/** `gpt-tokenizer`: pure JS, with its own countTokens. Built like its `encoding/o200k_base` entry. */
import { GptEncoding } from 'gpt-tokenizer/GptEncoding';
import o200k_base from 'gpt-tokenizer/bpeRanks/o200k_base';

const RANKS = { o200k_base };

export async function load(spec) {
  const enc = GptEncoding.getEncodingApi(spec.tiktoken, () => RANKS[spec.tiktoken]);
  return {
    encode: (text) => enc.encode(text),
    count: (text) => enc.countTokens(text),
    decode: (ids) => enc.decode(ids),
  };
}
