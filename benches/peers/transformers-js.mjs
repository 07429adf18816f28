/**
 * transformers.js (`@huggingface/transformers`), offline: AutoTokenizer reads the local folder
 * (tokenizer.json + tokenizer_config.json), as an app that ships its model files does.
 */
import { basename, dirname } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';

env.allowRemoteModels = false;
env.useFSCache = false;
env.useBrowserCache = false;

export async function load(spec) {
  env.localModelPath = `${dirname(spec.dir)}/`;
  const tok = await AutoTokenizer.from_pretrained(basename(spec.dir));
  const NO_SPECIAL = { add_special_tokens: false };
  return {
    encode: (text) => tok.encode(text, NO_SPECIAL),
    decode: (ids) => tok.decode(ids),
    batch: {
      // The tokenizer's call API on an array: its batch entry point (a loop inside, no threads).
      'tokenizer(texts)': { run: (texts) => tok(texts, { ...NO_SPECIAL, padding: false, return_tensor: false }).input_ids },
    },
  };
}
