/** `js-tiktoken`: pure-JS port of tiktoken; the lite entry plus one rank file, as its README advises. */
import { Tiktoken } from 'js-tiktoken/lite';
import o200k_base from 'js-tiktoken/ranks/o200k_base';

const RANKS = { o200k_base };

export async function load(spec) {
  const enc = new Tiktoken(RANKS[spec.tiktoken]);
  return {
    encode: (text) => enc.encode(text),
    decode: (ids) => enc.decode(ids),
  };
}
