// Type tests for the ESM entry: compiled by `npm run typecheck` (tsc), never run.
// Each `@ts-expect-error` must be an error, so wrong declarations fail the build.
import {
  AutoTokenizer,
  type BatchEncoding,
  type Encoding,
  Tokenizer,
  TokenizerError,
  type TiktokenEncoding,
  encodingForModel,
  getEncoding,
  type EncodeOptions,
  type Int64Tensor,
  type ModelInputs,
  type Offset,
  type PreTrainedTokenizer,
  type TokenizerErrorCode,
  type TokenizerSummary,
} from 'ferrotok';
import ferrotok from 'ferrotok';

const tok: Tokenizer = Tokenizer.fromFile('tokenizer.json');
Tokenizer.fromFile('dir', { maxInputLength: 1000 });
Tokenizer.fromJSON('{}');
Tokenizer.fromJSON(new Uint8Array(0));
Tokenizer.fromJSON(Buffer.from('{}'));
const json: string = tok.toTokenizerJson();
void json;

const e: Encoding = tok.encode('text', { pair: 'pair', addSpecialTokens: false });
const ids: Uint32Array = e.ids;
const typeIds: Uint32Array = e.typeIds;
const mask: Uint32Array = e.attentionMask;
const special: Uint32Array = e.specialTokensMask;
const tokens: string[] = e.tokens;
const offsets: Offset[] = e.offsets;
const flatOffsets: Uint32Array = e.flatOffsets;
const first: [number, number] | undefined = e.offsets[0];
const words: (number | null)[] = e.wordIds;
const seqs: (number | null)[] = e.sequenceIds;
const over: Encoding[] = e.overflowing;
const n: number = e.length;
void [ids, typeIds, mask, special, tokens, offsets, flatOffsets, first, words, seqs, over, n];

const opts: EncodeOptions = {
  truncation: { maxLength: 8, strategy: 'only_first', stride: 2, side: 'left' },
  padding: { strategy: 'max_length', maxLength: 16, multipleOf: 8, side: 'right', padId: 0, padToken: '[PAD]', padTypeId: 0 },
};
tok.encode('x', opts);
tok.encode('x', { truncation: null, padding: null });
// @ts-expect-error the input is a string, not string[] (use encodeBatch)
tok.encode(['a', 'b']);
// @ts-expect-error unknown strategy
tok.encode('x', { truncation: { maxLength: 8, strategy: 'middle' } });
// @ts-expect-error side is 'left' | 'right'
tok.encode('x', { padding: { side: 'top' } });

const b: BatchEncoding = tok.encodeBatch(['a', ['q', 'context']], { padding: { strategy: 'longest' } });
const dims: [number, number] = b.dims;
const flat: Uint32Array = b.inputIds;
const row: Encoding | undefined = b.at(0);
for (const r of b) {
  const x: Encoding = r;
  void x;
}
void [dims, flat, row];
// @ts-expect-error a pair is a two-element tuple
tok.encodeBatch([['a', 'b', 'c']]);
// @ts-expect-error pair belongs to encode, not to the batch options
tok.encodeBatch(['a'], { pair: 'b' });

const p: Promise<BatchEncoding> = tok.encodeBatchAsync(['a'], { signal: new AbortController().signal });
void p;

const text: string = tok.decode([1, 2, 3], { skipSpecialTokens: true });
tok.decode(new Uint32Array(2));
tok.decode(new BigInt64Array(2));
tok.decode(new Int32Array(2));
// @ts-expect-error ids are numbers
tok.decode(['1']);
const texts: string[] = tok.decodeBatch([[1], new Uint32Array(1)]);
const count: number = tok.countTokens('x', { addSpecialTokens: false });
void [text, texts, count];

const id: number | undefined = tok.tokenToId('x');
const token: string | undefined = tok.idToToken(1);
const size: number = tok.vocabSize;
const vocab: Map<string, number> = tok.getVocab();
const bos: { content: string; id: number } | undefined = tok.specialTokens.bos;
void [id, token, size, vocab, bos];

try {
  tok.encode('x');
} catch (err) {
  if (err instanceof TokenizerError) {
    const code: TokenizerErrorCode = err.code;
    // @ts-expect-error codes are a closed union
    const wrong: typeof err.code = 'SOMETHING_ELSE';
    void [code, wrong];
  }
}

// Chat: template variables live in templateVars, so other keys are errors.
tok.applyChatTemplate([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true, templateVars: { enable_thinking: false } });
// @ts-expect-error a template variable outside templateVars
tok.applyChatTemplate([{ role: 'user', content: 'hi' }], { enable_thinking: false });
// @ts-expect-error snake_case options are not options
tok.decode([1], { skip_special_tokens: true });

// Readable objects and the bundled default.
const summary: TokenizerSummary = tok.toJSON();
const model: string | undefined = tok.modelType;
const bundled: Tokenizer = Tokenizer.default();
void [summary, model, bundled];

// The tiktoken / gpt-tokenizer door.
const o200k: TiktokenEncoding = getEncoding('o200k_base');
const idsArray: number[] = o200k.encode('x', 'all', []);
o200k.encode('x', new Set(['<|endoftext|>']));
o200k.encode('x', { allowedSpecial: 'all' });
const within: number | false = o200k.isWithinTokenLimit('x', 10);
const decoded: string = o200k.decode(idsArray);
encodingForModel('gpt-4o').countTokens('x');
getEncoding('cl100k_base');
// @ts-expect-error p50k_base is not available
getEncoding('p50k_base');
void [within, decoded];

// The transformers.js door: a callable tokenizer.
const auto: PreTrainedTokenizer = await AutoTokenizer.fromPretrained('org/name');
const tensors: ModelInputs<Int64Tensor> = auto(['a', 'b'], { padding: true, truncation: true, maxLength: 8 });
const inputIds: BigInt64Array = tensors.input_ids.data;
const one: number[] = auto('a', { returnTensor: false }).input_ids;
const many: number[][] = auto(['a'], { returnTensor: false }).input_ids;
const back: string[] = auto.batchDecode(tensors.input_ids, { skipSpecialTokens: true });
// @ts-expect-error max_length is spelt maxLength
auto('a', { max_length: 8 });
void [inputIds, one, many, back];

// The default export is the module namespace, as at runtime.
export const viaDefault: Tokenizer = ferrotok.Tokenizer.fromFile('tokenizer.json');
// @ts-expect-error not an export
ferrotok.NoSuchThing;
