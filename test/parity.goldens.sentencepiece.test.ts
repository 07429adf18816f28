// The golden-file parity suite (parity.goldens.test.ts) for the SentencePiece-style tokenizers:
// SentencePiece BPE (Llama 2, Gemma 3) and Unigram. A file of its own, so vitest runs it on a
// second worker beside the other half.
import { goldenSuite, SENTENCEPIECE_FAMILIES } from './helpers/golden-suite';
import { TOKENIZERS } from './helpers/tokenizers';

goldenSuite(TOKENIZERS.filter((t) => SENTENCEPIECE_FAMILIES.includes(t.family)));
