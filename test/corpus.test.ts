// encodeCorpus and `ferrotok corpus`: every format and input kind gives the ids encodeIds
// gives, document for document; the output does not depend on threads or shard size; bad
// records are reported with file and line; a killed run resumes without redoing shards.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type CorpusOptions, encodeCorpus, Tokenizer, TokenizerError } from 'ferrotok';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusText } from './helpers/corpus';
import { type Docs, readMegatron, readNpy, readRun } from './helpers/shards';
import { repoRoot, sharedRoot } from './helpers/tokenizers';

const require = createRequire(import.meta.url);
const { main } = require('../dist/cjs/cli.js') as { main: (argv: string[], io?: object) => Promise<number> };
const BIN = path.join(repoRoot, 'bin', 'ferrotok.js');
const DEFAULT = path.join(repoRoot, 'models', 'default');
const BERT = path.join(sharedRoot, 'models', 'bert-base-uncased');

const o200k = Tokenizer.fromFile(DEFAULT);
const bert = Tokenizer.fromFile(BERT);
let dir: string;

/** Documents of mixed scripts and lengths, from the shared corpus. */
const DOCS = [
  ...corpusText('multilingual.txt').split('\n').filter(Boolean).slice(0, 1500),
  ...corpusText('en_prose.txt')
    .split('\n\n')
    .filter((p) => p.trim() !== '' && !p.includes('\n\n'))
    .slice(0, 200),
  'ends with the special token <|endoftext|> inside',
];

function expected(tok: Tokenizer, docs: readonly string[], frame: { bos?: number; eos?: number } = {}): Docs {
  return docs.map((d) => {
    const ids = [...tok.encodeIds(d, { addSpecialTokens: false })];
    if (ids.length === 0) return ids;
    return [...(frame.bos === undefined ? [] : [frame.bos]), ...ids, ...(frame.eos === undefined ? [] : [frame.eos])];
  });
}

function write(name: string, data: string | Uint8Array): string {
  const p = path.join(dir, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, data);
  return p;
}

const jsonl = (docs: readonly string[], key = 'text'): string =>
  `${docs.map((text, i) => JSON.stringify({ id: i, [key]: text })).join('\n')}\n`;
const out = (name: string): string => path.join(dir, 'out', name);

async function run(options: Omit<CorpusOptions, 'out'> & { out?: string }, name: string) {
  return encodeCorpus({ out: out(name), tokenizer: DEFAULT, ...options });
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ferrotok-corpus-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('encodeCorpus', () => {
  it('writes Megatron shards holding exactly encodeIds of every JSONL document', async () => {
    const input = write('docs.jsonl', jsonl(DOCS));
    const r = await run({ inputs: [input] }, 'megatron');
    expect(r.manifest.shards).toHaveLength(1);
    expect(r.manifest.tokenType).toBe('int32'); // o200k: 200k ids
    expect(readMegatron(path.join(out('megatron'), 'corpus_00000'))).toEqual(expected(o200k, DOCS));
    expect(r.manifest.totals.documents).toBe(DOCS.length);
    expect(r.manifest.totals.inputBytes).toBe(readFileSync(input).length);
    expect(r.manifest.inputs[0]!.sha256).toBe(createHash('sha256').update(readFileSync(input)).digest('hex'));
  });

  it('uses uint16 for a small vocabulary, in all three formats, with BOS/EOS framing', async () => {
    const input = write('bert.jsonl', jsonl(DOCS.slice(0, 300)));
    const want = expected(bert, DOCS.slice(0, 300), { bos: bert.tokenToId('[CLS]')!, eos: bert.tokenToId('[SEP]')! });
    for (const format of ['megatron', 'datatrove', 'npy'] as const) {
      const r = await run({ inputs: [input], tokenizer: BERT, format, prependBos: '[CLS]', appendEos: '[SEP]' }, `bert-${format}`);
      expect(r.manifest.tokenType).toBe('uint16');
      expect(readRun(out(`bert-${format}`))).toEqual(want);
    }
    const meta = readFileSync(path.join(out('bert-datatrove'), 'corpus_00000.ds.metadata'), 'utf8').split('\n');
    expect(meta[0]).toBe(`${BERT}|2`);
    expect(Number(meta[1])).toBe(want.flat().length);
    expect(readNpy(path.join(out('bert-npy'), 'corpus_00000.ids.npy')).descr).toBe('<u2');
  });

  it('gives the same bytes whatever the thread count and however the shards are cut', async () => {
    const input = write('same.jsonl', jsonl(DOCS));
    await run({ inputs: [input], threads: 1 }, 't1');
    await run({ inputs: [input], threads: 2 }, 't2');
    await run({ inputs: [input], shardSize: 20_000 }, 'small');
    await run({ inputs: [input], batchBytes: 1000 }, 'batches');
    const one = readdirSync(out('t1')).filter((f) => f.startsWith('corpus_'));
    for (const f of one) expect(readFileSync(path.join(out('t2'), f)).equals(readFileSync(path.join(out('t1'), f)))).toBe(true);
    for (const f of one) expect(readFileSync(path.join(out('batches'), f)).equals(readFileSync(path.join(out('t1'), f))), f).toBe(true);
    expect(readFileSync(path.join(out('t2'), 'manifest.json'), 'utf8')).toBe(readFileSync(path.join(out('t1'), 'manifest.json'), 'utf8'));
    const small = JSON.parse(readFileSync(path.join(out('small'), 'manifest.json'), 'utf8'));
    expect(small.shards.length).toBeGreaterThan(10);
    expect(readRun(out('small'))).toEqual(expected(o200k, DOCS)); // a line cut by a shard edge belongs to the shard it starts in
    expect(small.totals.inputBytes).toBe(readFileSync(input).length);
    expect(small.inputs[0].sha256).toBe(createHash('sha256').update(readFileSync(input)).digest('hex')); // read in pieces: hashed apart
  });

  it('reads text by line, by blank-line block and by file; gzip and zstd; folders and globs', async () => {
    const docs = DOCS.slice(0, 200);
    write('text/lines.txt', `${docs.join('\r\n')}\r\n\r\n`);
    write('text/blocks.md', `\n\n${docs.slice(0, 50).join('\nsecond line\n\n\n')}\n`);
    write('files/a.txt', docs[0]!);
    write('files/b.txt', docs[1]!);
    const gz = write('packed/p.jsonl.gz', gzipSync(jsonl(docs)));
    const plain = write('packed/p.jsonl', jsonl(docs));
    execFileSync('zstd', ['-q', '-f', plain, '-o', `${plain}.zst`]);
    rmSync(plain);
    await run({ inputs: [path.join(dir, 'text', 'lines.txt')] }, 'lines');
    expect(readRun(out('lines'))).toEqual(expected(o200k, docs));
    await run({ inputs: [path.join(dir, 'text', 'blocks.md')], split: 'blank-line' }, 'blocks');
    expect(readRun(out('blocks'))).toEqual(
      expected(
        o200k,
        docs.slice(0, 50).map((d, i) => (i < 49 ? `${d}\nsecond line` : d)),
      ),
    );
    const files = await run({ inputs: [path.join(dir, 'files')], split: 'file' }, 'files');
    expect(readRun(out('files'))).toEqual(expected(o200k, docs.slice(0, 2)));
    expect(files.manifest.inputs.map((i) => path.basename(i.path))).toEqual(['a.txt', 'b.txt']);
    const packed = await run({ inputs: [gz, path.join(dir, 'packed', '*.zst')] }, 'packed');
    expect(readRun(out('packed'))).toEqual([...expected(o200k, docs), ...expected(o200k, docs)]);
    expect(packed.manifest.inputs.map((i) => i.compression)).toEqual(['gzip', 'zstd']);
  });

  it('reads a Parquet column, across row groups and shards', async () => {
    const { parquetWriteFile } = await import('hyparquet-writer');
    const docs = DOCS.slice(0, 1000);
    const file = path.join(dir, 'docs.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'text', data: docs, type: 'STRING' },
        { name: 'n', data: docs.map((_, i) => i), type: 'INT32' },
      ],
      rowGroupSize: 150,
    });
    const r = await run({ inputs: [file], shardSize: 40_000 }, 'parquet');
    expect(r.manifest.shards.length).toBeGreaterThan(1);
    expect(readRun(out('parquet'))).toEqual(expected(o200k, docs));
    expect(r.manifest.totals.rows).toBe(1000);
    await expect(run({ inputs: [file], field: 'body' }, 'parquet-bad')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining("no column 'body'"),
    });
  });

  it('merges Megatron shards into one pair as megatron-core add_index does', async () => {
    const input = write('merge.jsonl', jsonl(DOCS));
    const r = await run({ inputs: [input], shardSize: 30_000, merge: true, appendEos: true }, 'merge');
    expect(r.manifest.merged?.map((f) => f.name)).toEqual(['corpus.bin', 'corpus.idx']);
    expect(readMegatron(path.join(out('merge'), 'corpus'))).toEqual(readRun(out('merge')));
    expect(readRun(out('merge'))).toEqual(expected(o200k, DOCS, { eos: o200k.tokenToId('<|endoftext|>')! }));
  });
});

describe('records that are not documents', () => {
  const lines = ['{"text": "fine"}', '{"text": 5}', '', '{"text": ""}', '{broken', '{"other": "x"}', '{"text": "also fine"}'];

  it("fails on the first one with its file and line, unless onError: 'skip' lists them", async () => {
    const input = write('bad.jsonl', `${lines.join('\n')}\n`);
    const err = await run({ inputs: [input] }, 'bad-fail').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenizerError);
    expect(err).toMatchObject({ code: 'CORPUS_INPUT_INVALID', message: expect.stringContaining(`${input}:2: not-a-string`) });
    expect(existsSync(path.join(out('bad-fail'), 'corpus_00000.bin'))).toBe(false);
    expect(readdirSync(out('bad-fail')).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const r = await run({ inputs: [input], onError: 'skip' }, 'bad-skip');
    expect(r.manifest.skipped.map((s) => [s.line, s.fault])).toEqual([
      [2, 'not-a-string'],
      [4, 'empty'],
      [5, 'invalid-json'],
      [6, 'missing-field'],
    ]);
    expect(r.manifest.totals).toMatchObject({
      documents: 2,
      skipped: 4,
      blankLines: 1,
      skippedByFault: { 'not-a-string': 1, empty: 1, 'invalid-json': 1, 'missing-field': 1 },
    });
    expect(readRun(out('bad-skip'))).toEqual(expected(o200k, ['fine', 'also fine']));
  });

  it('numbers lines from the start of the file even in a shard that starts mid-file', async () => {
    const many = Array.from({ length: 500 }, (_, i) => JSON.stringify({ text: `document number ${i}` }));
    many[437] = '{"text": null}';
    const input = write('late.jsonl', `${many.join('\n')}\n`);
    const r = await run({ inputs: [input], shardSize: 1000, onError: 'skip' }, 'late');
    expect(r.manifest.shards.length).toBeGreaterThan(5);
    const want = [{ file: input, line: 438, fault: 'not-a-string', detail: 'field `text` is null, not a string' }];
    expect(r.manifest.skipped).toEqual(want);
    // and across engine batches within a shard, with empty lines between
    const spaced = write('spaced.jsonl', `${many.join('\n\n')}\n`);
    const b = await run({ inputs: [spaced], batchBytes: 300, shardSize: 7000, onError: 'skip' }, 'late-batches');
    expect(b.manifest.skipped).toEqual([{ ...want[0], file: spaced, line: 875 }]);
    expect(b.manifest.totals).toMatchObject({ documents: 499, blankLines: 499 });
    expect(readRun(out('late-batches'))).toEqual(readRun(out('late')));
  });

  it('reports invalid UTF-8 and a truncated gzip file, keeping what came before the damage', async () => {
    const good = jsonl(DOCS.slice(0, 400));
    const invalid = Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a]); // {"t":"<0xFF>"}
    const input = write('utf8.jsonl', Buffer.concat([Buffer.from('{"text": "ok"}\n{"text": "no t"}\n'), invalid]));
    const r = await run({ inputs: [input], onError: 'skip', field: 't' }, 'utf8');
    expect(r.manifest.skipped.map((s) => [s.line, s.fault])).toEqual([
      [1, 'missing-field'],
      [2, 'missing-field'],
      [3, 'invalid-utf8'],
    ]);
    const gz = gzipSync(good);
    const truncated = write('cut.jsonl.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const t = await run({ inputs: [truncated], onError: 'skip', batchBytes: 5000 }, 'truncated');
    expect(t.manifest.skipped).toHaveLength(1);
    expect(t.manifest.skipped[0]).toMatchObject({ fault: 'corrupt-input' });
    const kept = readRun(out('truncated'));
    expect(kept.length).toBeGreaterThan(10);
    expect(kept).toEqual(expected(o200k, DOCS.slice(0, kept.length)));
    await expect(run({ inputs: [truncated] }, 'truncated-fail')).rejects.toMatchObject({ code: 'CORPUS_INPUT_INVALID' });
  });

  it('refuses unknown options, bad values and another run in the same folder', async () => {
    const input = write('opts.jsonl', jsonl(['a']));
    await expect(run({ inputs: [input], shard_size: 5 } as never, 'x')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('shard_size'),
    });
    await expect(run({ inputs: [input], format: 'arrow' as never }, 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(run({ inputs: [input], format: 'npy', merge: true }, 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(run({ inputs: [input], appendEos: '<nope>' }, 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(run({ inputs: [path.join(dir, 'missing.jsonl')] }, 'x')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await run({ inputs: [input] }, 'claimed');
    await expect(run({ inputs: [input], appendEos: true }, 'claimed')).rejects.toMatchObject({ code: 'CORPUS_OUTPUT_CONFLICT' });
    const r = await run({ inputs: [input], appendEos: true, overwrite: true }, 'claimed');
    expect(readRun(out('claimed'))).toEqual(expected(o200k, ['a'], { eos: o200k.tokenToId('<|endoftext|>')! }));
    expect(r.resumedShards).toBe(0);
  });
});

describe('ferrotok corpus', () => {
  it('runs with the documented shape and prints counts', async () => {
    const input = write('cli.jsonl', jsonl(DOCS.slice(0, 50)));
    let stdout = '';
    let stderr = '';
    const code = await main(['corpus', input, '--out', out('cli'), '--format', 'megatron', '--field', 'text', '--json'], {
      stdin: '',
      stdout: (s: string) => {
        stdout += s;
      },
      stderr: (s: string) => {
        stderr += s;
      },
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).totals.documents).toBe(50);
    expect(readRun(out('cli'))).toEqual(expected(o200k, DOCS.slice(0, 50)));
    const usage = await main(['corpus', input, '--shard-size', '12 parsecs', '--out', out('cli2')], {
      stdin: '',
      stdout: () => {},
      stderr: () => {},
    });
    expect(usage).toBe(2);
  });

  it('resumes after SIGKILL without redoing finished shards, and ends byte-identical', async () => {
    const docs = Array.from({ length: 30 }, () => DOCS).flat();
    const input = write('kill.jsonl', jsonl(docs));
    const args = [BIN, 'corpus', input, '--tokenizer', DEFAULT, '--shard-size', '400KB', '--progress', 'json'];
    execFileSync(process.execPath, [...args, '--out', out('kill-ref')], { stdio: 'ignore' });
    const target = out('kill');
    const child = spawn(process.execPath, [...args, '--out', target], { stdio: ['ignore', 'ignore', 'pipe'] });
    let shardEvents = 0;
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        shardEvents += (d.toString().match(/"type":"shard"/g) ?? []).length;
        if (shardEvents >= 3) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
    });
    await new Promise((r) => child.once('exit', r).once('close', r));
    const done = readdirSync(path.join(target, '.ferrotok', 'shards')).length;
    const shards = JSON.parse(readFileSync(path.join(out('kill-ref'), 'manifest.json'), 'utf8')).shards.length;
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(shards);
    expect(existsSync(path.join(target, 'manifest.json'))).toBe(false);
    const again = execFileSync(process.execPath, [...args, '--out', target], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(again).toContain(`${done} kept from an earlier run`);
    for (const f of readdirSync(out('kill-ref'))) {
      if (f === '.ferrotok') continue;
      expect(readFileSync(path.join(target, f)).equals(readFileSync(path.join(out('kill-ref'), f))), f).toBe(true);
    }
    expect(readdirSync(target).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
