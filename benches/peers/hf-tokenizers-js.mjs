/** `@huggingface/tokenizers` (tokenizers.js): pure JS; built from the parsed tokenizer.json and config. */
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

export async function load(spec) {
  const json = JSON.parse(readFileSync(spec.file, 'utf8'));
  const config = JSON.parse(readFileSync(spec.config, 'utf8'));
  const tok = new Tokenizer(json, config);
  const NO_SPECIAL = { add_special_tokens: false };
  return {
    encode: (text) => tok.encode(text, NO_SPECIAL).ids,
    decode: (ids) => tok.decode(ids),
  };
}
