#!/usr/bin/env node
/**
 * The engine alone on a corpus bench input: its texts (JSONL, parsed here, not timed) through
 * `encodeBatchIds` in batches of ~4 MB, timing only the calls. The reference the issue's
 * target names: `ferrotok corpus` should reach ≥ 0.8× of it.
 *   node benches/lib/corpus-engine.mjs FILE.jsonl TOKENIZER THREADS
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Tokenizer } from '../../dist/esm/index.mjs';

const [file, tokenizer, threads] = process.argv.slice(2);
const tok = Tokenizer.fromFile(tokenizer);
let seconds = 0;
let tokens = 0;
let batch = [];
let size = 0;
const flush = () => {
  const t = process.hrtime.bigint();
  const r = tok.encodeBatchIds(batch, { addSpecialTokens: false, threads: Number(threads) });
  seconds += Number(process.hrtime.bigint() - t) / 1e9;
  tokens += r.ids.length;
  batch = [];
  size = 0;
};
for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
  if (line === '') continue;
  const text = JSON.parse(line).text;
  batch.push(text);
  size += text.length;
  if (size >= 4 << 20) flush();
}
if (batch.length > 0) flush();
process.stdout.write(`${JSON.stringify({ seconds, tokens })}\n`);
