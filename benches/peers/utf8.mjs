/**
 * Baseline, not a tokenizer: UTF-8 transcoding only (TextEncoder / TextDecoder), through the same
 * harness. It bounds what any JS-facing tokenizer can reach on these inputs, and its process is
 * the RSS floor of a Node process running the harness.
 */
const enc = new TextEncoder();
const dec = new TextDecoder();

export async function load() {
  return {
    encode: (text) => enc.encode(text),
    count: (text) => enc.encode(text).length,
    decode: (bytes) => dec.decode(bytes),
  };
}
