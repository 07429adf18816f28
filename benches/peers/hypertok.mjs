/**
 * `hypertok`: a WASM byte-level/SentencePiece BPE engine that reads only its own `.htk`
 * vocabulary images, shipped as npm packages (`@hypertok/vocab-*`, pinned beside it). The file is
 * read from node_modules and handed to `fromBytes`, so nothing is fetched (its `loadVocab` would
 * fall back to a CDN). The `single` tier runs on the calling thread and is the one with a
 * synchronous encode; the worker tiers hand work to other threads and are not measured.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fromBytes } from 'hypertok';

const require = createRequire(import.meta.url);
const VOCABS = { gpt4o: '@hypertok/vocab-o200k', llama3: '@hypertok/vocab-llama3' };

export async function load(spec) {
  const tok = await fromBytes(readFileSync(require.resolve(`${VOCABS[spec.id]}/vocab.htk`)), { tier: 'single' });
  return {
    encode: (text) => tok.encodeSync(text),
    decode: (ids) => tok.decode(ids),
  };
}
