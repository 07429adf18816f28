/**
 * Every library the bench runs, what it is, and which tokenizers it can run. The adapter that
 * drives each one is benches/peers/<name>.mjs (Node) or benches/peers/<name with _>.py (Python).
 * ferrotok is always first: it is the reference every other peer's output is compared with.
 * A Python peer runs in the system python3 unless it names an `env` (a virtualenv the run
 * creates, lib/python.mjs); `module` is the package whose version the report shows.
 */
const HF = ['llama3', 'gpt4o', 'bert', 'qwen3', 'llama2', 'gemma3', 'unigram'];
const OPENAI = ['gpt4o']; // tiktoken-family libraries implement only OpenAI encodings
// hypertok reads only its own .htk vocabularies; of ours, npm ships o200k and Llama 3 (its
// "qwen3-6" is Qwen 3.6's 248k vocabulary, not Qwen3's 151k one)
const HYPERTOK = ['llama3', 'gpt4o'];
// transformers.js 4.3.1 bundles @huggingface/tokenizers 0.2.0, the version pinned here: the same
// encoder (their rows agree within a few %). The pure-JS libraries are the slowest part of a full
// run (0.2–1 MB/s on whole documents), so on the four newer tokenizers transformers.js stands
// for both, keeping the full run within its 25 minutes.
const HF_JS_CORE = ['llama3', 'gpt4o', 'bert'];

export const PEERS = [
  {
    name: 'ferrotok',
    label: 'ferrotok',
    runtime: 'node',
    pkg: '.',
    kind: 'Rust addon (napi-rs)',
    tokenizers: HF,
    parallel: true,
    api: 'encodeIds(t, {addSpecialTokens:false}); countTokens; decode; encodeBatch / encodeBatchAsync / encodeBatchIds',
  },
  {
    name: 'tokenizers',
    label: 'tokenizers',
    runtime: 'node',
    pkg: 'tokenizers',
    kind: 'Rust addon (official HF Node binding)',
    tokenizers: HF,
    parallel: true,
    api: 'await encode(t, null, {addSpecialTokens:false}) → getIds(); await decode; await encodeBatch',
  },
  {
    name: 'transformers-js',
    label: 'transformers.js',
    runtime: 'node',
    pkg: '@huggingface/transformers',
    kind: 'pure JS',
    tokenizers: HF,
    api: 'AutoTokenizer (local files, offline); encode(t, {add_special_tokens:false}); decode; tokenizer(texts) for batches',
  },
  {
    name: 'hf-tokenizers-js',
    label: '@huggingface/tokenizers',
    runtime: 'node',
    pkg: '@huggingface/tokenizers',
    kind: 'pure JS',
    tokenizers: HF_JS_CORE,
    api: 'new Tokenizer(json, config); encode(t, {add_special_tokens:false}).ids; decode',
  },
  {
    name: 'tiktoken',
    label: 'tiktoken',
    runtime: 'node',
    pkg: 'tiktoken',
    kind: 'WASM (Rust tiktoken)',
    tokenizers: OPENAI,
    api: "get_encoding('o200k_base'); encode_ordinary; decode → TextDecoder",
  },
  {
    name: 'js-tiktoken',
    label: 'js-tiktoken',
    runtime: 'node',
    pkg: 'js-tiktoken',
    kind: 'pure JS',
    tokenizers: OPENAI,
    api: 'new Tiktoken(ranks/o200k_base) (lite); encode; decode',
  },
  {
    name: 'gpt-tokenizer',
    label: 'gpt-tokenizer',
    runtime: 'node',
    pkg: 'gpt-tokenizer',
    kind: 'pure JS',
    tokenizers: OPENAI,
    api: 'GptEncoding o200k_base; encode; countTokens; decode',
  },
  {
    name: 'ai-tokenizer',
    label: 'ai-tokenizer',
    runtime: 'node',
    pkg: 'ai-tokenizer',
    kind: 'pure JS',
    tokenizers: OPENAI,
    api: 'new Tokenizer(encoding/o200k_base); encode; count; decode',
  },
  {
    name: 'tiktokenizer',
    label: '@microsoft/tiktokenizer',
    runtime: 'node',
    pkg: '@microsoft/tiktokenizer',
    kind: 'pure JS',
    tokenizers: OPENAI,
    api: "createTokenizer(gpt-tokenizer's o200k_base.tiktoken, o200k specials, o200k regex); encode; decode",
  },
  {
    name: 'hypertok',
    label: 'hypertok',
    runtime: 'node',
    pkg: 'hypertok',
    kind: 'WASM',
    tokenizers: HYPERTOK,
    api: "fromBytes(@hypertok/vocab-* vocab.htk, {tier:'single'}); encodeSync; decode",
  },
  {
    name: 'kitoken',
    label: 'kitoken',
    runtime: 'node',
    pkg: 'kitoken',
    kind: 'WASM (Rust)',
    tokenizers: HF,
    api: 'Kitoken.from_tokenizers(tokenizer.json) (kitoken/node); encode(t, false); decode → TextDecoder; encode_all',
  },
  {
    name: 'py-tokenizers',
    label: 'Python tokenizers',
    runtime: 'python',
    module: 'tokenizers',
    kind: 'native reference (Rust, from Python)',
    tokenizers: HF,
    parallel: true,
    api: 'encode(t, add_special_tokens=False).ids; decode; encode_batch / encode_batch_fast',
  },
  {
    name: 'py-tokenizers1',
    label: 'Python tokenizers 1.0rc3',
    runtime: 'python',
    env: 'tokenizers1',
    module: 'tokenizers',
    kind: 'native reference (Rust, from Python; the 1.0 engine)',
    tokenizers: HF,
    parallel: true,
    api: 'own venv; encode(t, add_special_tokens=False).ids; decode; encode_batch (encode_batch_fast when present)',
  },
  {
    name: 'py-tiktoken',
    label: 'Python tiktoken',
    runtime: 'python',
    module: 'tiktoken',
    kind: 'native reference (Rust, from Python)',
    tokenizers: OPENAI,
    parallel: true,
    api: 'Encoding(**openai_public.o200k_base()) with npm ranks; encode_ordinary; decode; encode_ordinary_batch',
  },
  {
    name: 'utf8',
    label: 'baseline: UTF-8 only (Node)',
    runtime: 'node',
    kind: 'baseline',
    baseline: true,
    tokenizers: ['none'],
    api: 'TextEncoder.encode / TextDecoder.decode: no tokenization',
  },
  {
    name: 'py-utf8',
    label: 'baseline: UTF-8 only (Python)',
    runtime: 'python',
    kind: 'baseline',
    baseline: true,
    tokenizers: ['none'],
    api: "str.encode('utf-8') / bytes.decode: no tokenization",
  },
];

export const peerByName = (name) => PEERS.find((p) => p.name === name);

/** Peers to run: `--peers` narrows the list, but ferrotok (the reference) always stays. */
export function selectPeers(names) {
  if (!names) return PEERS;
  const unknown = names.filter((n) => !peerByName(n));
  if (unknown.length) throw new Error(`unknown peer(s) ${unknown.join(', ')}; known: ${PEERS.map((p) => p.name).join(', ')}`);
  return PEERS.filter((p) => p.name === 'ferrotok' || names.includes(p.name));
}
