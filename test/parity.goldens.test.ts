/**
 * Parity with Hugging Face `tokenizers` (Python) through golden files.
 *
 * test/goldens/generate.py encodes the whole shared corpus, edge cases, prompt lines, pairs and
 * truncation/padding/batch settings with tokenizers==0.23.1 and stores the results (full arrays,
 * or digests for the corpus blocks; see test/helpers/digest.ts). Here ferrotok must reproduce
 * every one of them exactly, for every tokenizer in test/helpers/tokenizers.ts.
 */
import { expect, test } from 'vitest';
import { goldenSuite, SENTENCEPIECE_FAMILIES } from './helpers/golden-suite';
import { hasGolden } from './helpers/goldens';
import { TOKENIZERS } from './helpers/tokenizers';

test('every test tokenizer has a golden file', () => {
  expect(TOKENIZERS.filter((t) => !hasGolden(t.name)).map((t) => t.name)).toEqual([]);
});

// Byte-level BPE, WordPiece and WordLevel here; SentencePiece BPE and Unigram in
// parity.goldens.sentencepiece.test.ts, which vitest runs beside this file.
goldenSuite(TOKENIZERS.filter((t) => !SENTENCEPIECE_FAMILIES.includes(t.family)));
