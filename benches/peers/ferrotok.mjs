/** ferrotok, as a user imports it (the package's own name resolves to this repo's dist/). */
import { readFileSync } from 'node:fs';
import { Tokenizer } from 'ferrotok';

const NO_SPECIAL = { addSpecialTokens: false };

export async function load(spec) {
  const tok = Tokenizer.fromFile(spec.file);
  // Every row's ids are read, so the lazy BatchEncoding pays for crossing into JS like the others.
  const rows = (batch) => Array.from(batch, (e) => e.ids);
  return {
    // Ids only, as tiktoken's and gpt-tokenizer's encode return; encode().ids also builds
    // tokens, offsets and masks (README: Performance gives both).
    encode: (text) => tok.encodeIds(text, NO_SPECIAL),
    count: (text) => tok.countTokens(text, NO_SPECIAL),
    decode: (ids) => tok.decode(ids),
    // encodeIds cuts one long text where the pre-tokenizer must split and encodes the parts on
    // the pool (Engine::parallel_parts), for byte-level BPE and WordPiece: the batch group then
    // times the documents again at 2 threads. Asked outside the timed load.
    splitsDocs: () => splitsLongTexts(spec.file),
    batch: {
      encodeBatch: { parallel: true, run: (texts) => rows(tok.encodeBatch(texts, NO_SPECIAL)) },
      // (i) unique lines time one batch API per library, its `primary` one (else its first): ids only, like the others' batches
      encodeBatchIds: { parallel: true, primary: true, run: (texts) => Array.from(tok.encodeBatchIds(texts, NO_SPECIAL)) },
      encodeBatchAsync: { parallel: true, async: true, run: async (texts) => rows(await tok.encodeBatchAsync(texts, NO_SPECIAL)) },
    },
  };
}

/** The fast paths that cut long texts (FastPath::cuts): byte-level BPE and WordPiece. */
function splitsLongTexts(file) {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const pre = JSON.stringify(json.pre_tokenizer ?? null);
  return (
    (json.model?.type === 'BPE' && pre.includes('"ByteLevel"')) || (json.model?.type === 'WordPiece' && pre.includes('"BertPreTokenizer"'))
  );
}
