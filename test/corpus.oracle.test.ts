// Corpus shards read back by the code of the tools that define the formats (Python, via
// test/oracles/read_corpus.py): datatrove's merger reader and numpy.load (FERROTOK_ORACLE_PYTHON,
// which .ci/run sets up), and megatron-core's own IndexedDataset (FERROTOK_MEGATRON_PYTHON:
// it needs torch, ~3 GB, so only scripts/oracle-megatron.sh sets it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CorpusFormat, encodeCorpus, Tokenizer } from 'ferrotok';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusText } from './helpers/corpus';
import { repoRoot, sharedRoot } from './helpers/tokenizers';

const ORACLE = process.env.FERROTOK_ORACLE_PYTHON;
const MEGATRON = process.env.FERROTOK_MEGATRON_PYTHON;
if (process.env.CI && ORACLE === undefined)
  throw new Error('FERROTOK_ORACLE_PYTHON is unset: .ci/run installs test/oracles/requirements.txt and sets it');
const SCRIPT = path.join(repoRoot, 'test', 'oracles', 'read_corpus.py');

const TOKENIZERS = [
  { name: 'bert (uint16)', path: path.join(sharedRoot, 'models', 'bert-base-uncased') },
  { name: 'o200k (32-bit)', path: path.join(repoRoot, 'models', 'default') },
];
const DOCS = [
  ...corpusText('multilingual.txt').split('\n').filter(Boolean).slice(0, 2000),
  '   ',
  'the special <|endoftext|> and [SEP] as text',
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ferrotok-oracle-'));
  writeFileSync(path.join(dir, 'docs.jsonl'), `${DOCS.map((text) => JSON.stringify({ text })).join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function oracle(python: string, format: CorpusFormat, prefixes: string[]): number[][] {
  const out = execFileSync(python, [SCRIPT, '--format', format, '--prefix', ...prefixes], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as number[]);
}

async function check(python: string, format: CorpusFormat, tok: { name: string; path: string }): Promise<void> {
  const t = Tokenizer.fromFile(tok.path);
  const out = path.join(dir, `${format}-${tok.name.replace(/\W+/g, '-')}`);
  const r = await encodeCorpus({
    inputs: [path.join(dir, 'docs.jsonl')],
    out,
    tokenizer: tok.path,
    format,
    shardSize: 60_000,
    appendEos: true,
  });
  expect(r.manifest.shards.length).toBeGreaterThan(1);
  const eos = (t.specialTokens.eos ?? t.specialTokens.sep)!.id!;
  const want = DOCS.map((d) => {
    const ids = [...t.encodeIds(d, { addSpecialTokens: false })];
    return ids.length === 0 ? ids : [...ids, eos];
  });
  expect(
    oracle(
      python,
      format,
      r.manifest.shards.map((s) => path.join(out, s.name)),
    ),
  ).toEqual(want);
}

describe.skipIf(ORACLE === undefined)('shards read by datatrove and numpy', () => {
  for (const tok of TOKENIZERS) {
    it(`datatrove's merger reader, ${tok.name}`, () => check(ORACLE!, 'datatrove', tok));
    it(`numpy.load, ${tok.name}`, () => check(ORACLE!, 'npy', tok));
  }
});

describe.skipIf(MEGATRON === undefined)("shards read by megatron-core's IndexedDataset", () => {
  for (const tok of TOKENIZERS) it(tok.name, () => check(MEGATRON!, 'megatron', tok));
});
