/**
 * Every library the bench runs, what it is, and which tokenizers it can run. The adapter that
 * drives each one is benches/peers/<name>.mjs (Node) or benches/peers/<name with _>.py (Python).
 * ferrotok is always first: it is the reference every other peer's output is compared with.
 */
const HF = ['llama3', 'gpt4o', 'bert'];
const OPENAI = ['gpt4o']; // tiktoken-family libraries implement only OpenAI encodings

export const PEERS = [
  { name: 'ferrotok', label: 'ferrotok', runtime: 'node', pkg: '.', kind: 'Rust addon (napi-rs)', tokenizers: HF, parallel: true, api: 'encodeIds(t, {addSpecialTokens:false}); countTokens; decode; encodeBatch / encodeBatchAsync / encodeBatchIds' },
  { name: 'tokenizers', label: 'tokenizers', runtime: 'node', pkg: 'tokenizers', kind: 'Rust addon (official HF Node binding)', tokenizers: HF, parallel: true, api: 'await encode(t, null, {addSpecialTokens:false}) → getIds(); await decode; await encodeBatch' },
  { name: 'transformers-js', label: 'transformers.js', runtime: 'node', pkg: '@huggingface/transformers', kind: 'pure JS', tokenizers: HF, api: 'AutoTokenizer (local files, offline); encode(t, {add_special_tokens:false}); decode; tokenizer(texts) for batches' },
  { name: 'hf-tokenizers-js', label: '@huggingface/tokenizers', runtime: 'node', pkg: '@huggingface/tokenizers', kind: 'pure JS', tokenizers: HF, api: 'new Tokenizer(json, config); encode(t, {add_special_tokens:false}).ids; decode' },
  { name: 'tiktoken', label: 'tiktoken', runtime: 'node', pkg: 'tiktoken', kind: 'WASM (Rust tiktoken)', tokenizers: OPENAI, api: "get_encoding('o200k_base'); encode_ordinary; decode → TextDecoder" },
  { name: 'js-tiktoken', label: 'js-tiktoken', runtime: 'node', pkg: 'js-tiktoken', kind: 'pure JS', tokenizers: OPENAI, api: 'new Tiktoken(ranks/o200k_base) (lite); encode; decode' },
  { name: 'gpt-tokenizer', label: 'gpt-tokenizer', runtime: 'node', pkg: 'gpt-tokenizer', kind: 'pure JS', tokenizers: OPENAI, api: 'GptEncoding o200k_base; encode; countTokens; decode' },
  { name: 'ai-tokenizer', label: 'ai-tokenizer', runtime: 'node', pkg: 'ai-tokenizer', kind: 'pure JS', tokenizers: OPENAI, api: 'new Tokenizer(encoding/o200k_base); encode; count; decode' },
  { name: 'py-tokenizers', label: 'Python tokenizers', runtime: 'python', module: 'tokenizers', kind: 'native reference (Rust, from Python)', tokenizers: HF, parallel: true, api: 'encode(t, add_special_tokens=False).ids; decode; encode_batch / encode_batch_fast' },
  { name: 'py-tiktoken', label: 'Python tiktoken', runtime: 'python', module: 'tiktoken', kind: 'native reference (Rust, from Python)', tokenizers: OPENAI, parallel: true, api: 'Encoding(**openai_public.o200k_base()) with npm ranks; encode_ordinary; decode; encode_ordinary_batch' },
  { name: 'utf8', label: 'baseline: UTF-8 only (Node)', runtime: 'node', kind: 'baseline', baseline: true, tokenizers: ['none'], api: 'TextEncoder.encode / TextDecoder.decode: no tokenization' },
  { name: 'py-utf8', label: 'baseline: UTF-8 only (Python)', runtime: 'python', kind: 'baseline', baseline: true, tokenizers: ['none'], api: "str.encode('utf-8') / bytes.decode: no tokenization" },
];

export const peerByName = (name) => PEERS.find((p) => p.name === name);

/** Peers to run: `--peers` narrows the list, but ferrotok (the reference) always stays. */
export function selectPeers(names) {
  if (!names) return PEERS;
  const unknown = names.filter((n) => !peerByName(n));
  if (unknown.length) throw new Error(`unknown peer(s) ${unknown.join(', ')}; known: ${PEERS.map((p) => p.name).join(', ')}`);
  return PEERS.filter((p) => p.name === 'ferrotok' || names.includes(p.name));
}
