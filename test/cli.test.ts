// The `ferrotok` command line. Most tests drive `main` in-process with injected streams; a few
// spawn bin/ferrotok.js to prove the shim, the exit codes and the quiet `| head` behaviour.
// Every expectation about tokens is checked against the library, not hard-coded, so the
// tests hold whichever model sits in models/default.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HF_VARS, HubServer, fakeCommit } from './helpers/hub-server';
import { ENCODING_JSON_FIELDS } from './fixtures';

const require = createRequire(import.meta.url);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface IO {
  stdin: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  drain: () => Promise<void>;
}
const { main } = require('../dist/cjs/cli.js') as { main: (argv: string[], io?: Partial<IO>) => Promise<number> };
const { Tokenizer } = require('../dist/cjs/index.js') as typeof import('../dist/cjs/index.js');

const BIN = path.join(repoRoot, 'bin', 'ferrotok.js');
const DEFAULT = path.join(repoRoot, 'models', 'default');
const BERT = path.resolve(repoRoot, '../shared/models/bert-base-uncased');
const LLAMA3 = path.join(repoRoot, 'node_modules', '@lenml', 'tokenizer-llama3', 'models');
const LLAMA3_1 = path.join(repoRoot, 'node_modules', '@lenml', 'tokenizer-llama3_1', 'models');
const QWEN3 = path.join(repoRoot, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models');

const defaultTok = Tokenizer.fromFile(DEFAULT);
const bert = Tokenizer.fromFile(BERT);
const qwen3 = Tokenizer.fromFile(QWEN3);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], stdin = ''): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdin,
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
  });
  return { code, stdout, stderr };
}

/** Runs and expects success, so a failure shows stderr instead of a bare exit code. */
async function ok(argv: string[], stdin = ''): Promise<string> {
  const r = await run(argv, stdin);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');
const ids = (s: string): number[] => s.trim().split(' ').map(Number);

describe('encode', () => {
  it('prints id, token, span and quoted source slice per token, then the count', async () => {
    const text = 'Hello world, tokenizers!';
    const out = lines(await ok(['encode', text]));
    const enc = defaultTok.encode(text);
    expect(out).toHaveLength(enc.length + 1);
    for (let i = 0; i < enc.length; i++) {
      const [start, end] = enc.offsets[i]!;
      expect(out[i]).toBe(`${enc.ids[i]}\t${enc.tokens[i]}\t[${start},${end})\t${JSON.stringify(text.slice(start, end))}`);
    }
    expect(out.at(-1)).toBe(`${enc.length} tokens`);
  });

  it('joins several TEXT arguments with a space', async () => {
    expect(ids(await ok(['encode', '--ids', 'Hello', 'world']))).toEqual(Array.from(defaultTok.encode('Hello world').ids));
  });

  it('escapes control characters in the slice, keeping one line per token', async () => {
    const out = lines(await ok(['encode', 'a\tb\nc\u0001']));
    expect(out).toHaveLength(defaultTok.encode('a\tb\nc\u0001').length + 1);
    const slices = out
      .slice(0, -1)
      .map((l) => l.split('\t')[3])
      .join('');
    expect(slices).toContain('\\t');
    expect(slices).toContain('\\n');
    expect(slices).toContain('\\u{0001}');
  });

  it('round-trips through decode', async () => {
    const text = 'Round trip: ünïcödé 😀 and code() {}';
    const encoded = await ok(['encode', '--ids', text]);
    expect(encoded).toMatch(/^\d+( \d+)*\n$/);
    expect(await ok(['decode', ...encoded.trim().split(' ')])).toBe(`${text}\n`);
    // The same ids through stdin, comma separated.
    expect(await ok(['decode'], encoded.trim().replaceAll(' ', ','))).toBe(`${text}\n`);
  });

  it('--json prints the Encoding as one line of JSON', async () => {
    const out = await ok(['encode', '--json', 'Hello world']);
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trim()).not.toContain('\n');
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(ENCODING_JSON_FIELDS);
    expect(json).toEqual(defaultTok.encode('Hello world').toJSON());
  });

  it('--ids --json prints a JSON array, which decode reads back', async () => {
    const out = await ok(['encode', '--ids', '--json', 'Hello world']);
    expect(JSON.parse(out)).toEqual(Array.from(defaultTok.encode('Hello world').ids));
    expect(await ok(['decode'], out)).toBe('Hello world\n');
    // decode also takes the full `encode --json` object.
    expect(await ok(['decode'], await ok(['encode', '--json', 'Hello world']))).toBe('Hello world\n');
  });

  it('reads stdin when no TEXT is given, or TEXT is -, less the one newline a shell adds', async () => {
    const text = 'from stdin\nsecond line';
    const want = Array.from(defaultTok.encode(text).ids);
    expect(ids(await ok(['encode', '--ids'], `${text}\n`))).toEqual(want);
    expect(ids(await ok(['encode', '--ids', '-'], `${text}\r\n`))).toEqual(want);
    expect(ids(await ok(['encode', '--ids'], text))).toEqual(want);
    // Only one: a blank last line stays, and --keep-newline keeps the stdin byte-exact.
    expect(ids(await ok(['encode', '--ids'], `${text}\n\n`))).toEqual(Array.from(defaultTok.encode(`${text}\n`).ids));
    expect(ids(await ok(['encode', '--ids', '--keep-newline'], `${text}\n`))).toEqual(Array.from(defaultTok.encode(`${text}\n`).ids));
    expect(await ok(['encode', '--help'])).toMatch(/--keep-newline +encode the final newline of stdin too/);
  });

  it('reads --file', async () => {
    const file = path.join(tmp, 'input.txt');
    writeFileSync(file, 'file text\n');
    expect(ids(await ok(['encode', '--ids', '--file', file]))).toEqual(Array.from(defaultTok.encode('file text\n').ids));
  });

  it('--tokenizer loads another model; special tokens show an empty [0,0) span', async () => {
    const out = lines(await ok(['encode', '--tokenizer', BERT, 'Hello there']));
    expect(out[0]).toBe('101\t[CLS]\t[0,0)\t""');
    expect(out[1]).toBe('7592\thello\t[0,5)\t"Hello"');
    expect(out.at(-2)).toBe('102\t[SEP]\t[0,0)\t""');
    expect(out.at(-1)).toBe(`${bert.encode('Hello there').length} tokens`);
    // A tokenizer.json path works as well as its folder.
    expect(await ok(['encode', '--ids', '--tokenizer', path.join(BERT, 'tokenizer.json'), 'Hello there'])).toBe('101 7592 2045 102\n');
  });

  it('--pair slices pair tokens from the pair text; --no-special and --max-length pass through', async () => {
    const out = lines(await ok(['encode', '--tokenizer', BERT, '--pair', 'second part', 'first']));
    expect(out).toContain('2117\tsecond\t[0,6)\t"second"');
    const opts = ['--tokenizer', BERT, '--ids', '--no-special', '--max-length', '3', 'one two three four five'];
    const want = bert.encode('one two three four five', { addSpecialTokens: false, truncation: { maxLength: 3 } });
    expect(ids(await ok(['encode', ...opts]))).toEqual(Array.from(want.ids));
    expect(want.length).toBe(3);
  });

  it('says when truncation left overflowing windows out', async () => {
    const out = lines(await ok(['encode', '--tokenizer', BERT, '--max-length', '4', 'one two three four five']));
    expect(out.at(-1)).toMatch(/^4 tokens \(truncated; \d+ overflowing windows? not shown/);
  });

  it('takes TEXT starting with - after --', async () => {
    expect(ids(await ok(['encode', '--ids', '--', '-5 degrees']))).toEqual(Array.from(defaultTok.encode('-5 degrees').ids));
  });
});

describe('decode', () => {
  it('--skip-special and --json', async () => {
    const idsText = Array.from(bert.encode('Hello there').ids).join(' ');
    expect(await ok(['decode', '--tokenizer', BERT], idsText)).toBe('[CLS] hello there [SEP]\n');
    expect(await ok(['decode', '--tokenizer', BERT, '--skip-special'], idsText)).toBe('hello there\n');
    expect(JSON.parse(await ok(['decode', '--tokenizer', BERT, '--skip-special', '--json', idsText]))).toEqual({ text: 'hello there' });
  });

  it('a malformed id is INVALID_ARGUMENT, exit 1; an unknown id is ID_OUT_OF_RANGE', async () => {
    for (const [argv, stdin] of [
      [['decode', 'abc'], ''],
      [['decode'], '1 2 x'],
      [['decode'], '[1.5]'],
      [['decode'], '[1,'],
    ] as const) {
      const r = await run([...argv], stdin);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^ferrotok: INVALID_ARGUMENT: /);
      expect(r.stdout).toBe('');
    }
    const r = await run(['decode', '--tokenizer', BERT, '999999']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ferrotok: ID_OUT_OF_RANGE: /);
  });
});

describe('count', () => {
  it('prints the number of tokens, with and without special tokens', async () => {
    const text = 'How many tokens is this sentence?';
    expect(await ok(['count', '--tokenizer', BERT, text])).toBe(`${bert.countTokens(text)}\n`);
    expect(await ok(['count', '--tokenizer', BERT, '--no-special', text])).toBe(`${bert.countTokens(text) - 2}\n`);
    expect(JSON.parse(await ok(['count', '--json', text]))).toEqual({ count: defaultTok.countTokens(text) });
  });

  it('`echo TEXT | count` agrees with `count TEXT`: stdin loses one final \\n or \\r\\n, unless --keep-newline', async () => {
    const text = 'some text';
    const plain = await ok(['count', '--tokenizer', BERT, text]);
    for (const stdin of [`${text}\n`, `${text}\r\n`, text]) expect(await ok(['count', '--tokenizer', BERT], stdin)).toBe(plain);
    expect(await ok(['count'], 'a\n\n')).toBe(`${defaultTok.countTokens('a\n')}\n`);
    expect(await ok(['count', '--keep-newline'], `${text}\n`)).toBe(`${defaultTok.countTokens(`${text}\n`)}\n`);
    expect(await ok(['count', '-', '--keep-newline'], `${text}\r\n`)).toBe(`${defaultTok.countTokens(`${text}\r\n`)}\n`);
    // --file stays byte-exact.
    const file = path.join(tmp, 'newline.txt');
    writeFileSync(file, `${text}\n`);
    expect(await ok(['count', '--file', file])).toBe(`${defaultTok.countTokens(`${text}\n`)}\n`);
    expect(await ok(['count', '--help'])).toMatch(/--keep-newline +count the final newline of stdin too/);
    expect((await run(['decode', '--keep-newline', '1'])).code).toBe(2); // not a flag of decode
  });

  it('--lines counts each line of stdin, then the total', async () => {
    const input = 'first line\n\nthe third line here\r\nlast';
    const want = ['first line', '', 'the third line here', 'last'].map((l) => [bert.countTokens(l), l] as const);
    const total = want.reduce((s, [n]) => s + n, 0);
    const out = await ok(['count', '--tokenizer', BERT, '--lines'], input);
    expect(out).toBe(`${want.map(([n, l]) => `${n}\t${l}`).join('\n')}\ntotal\t${total}\n`);
    const json = JSON.parse(await ok(['count', '--tokenizer', BERT, '--lines', '--json'], `${input}\n`)) as unknown;
    expect(json).toEqual({ lines: want.map(([count, line]) => ({ count, line })), total });
  });
});

describe('inspect', () => {
  it('describes bert: WordPiece, BertNormalizer, [CLS] and friends', async () => {
    const out = await ok(['inspect', '--tokenizer', BERT]);
    expect(out).toMatch(/^model +WordPiece$/m);
    expect(out).toMatch(/^normalizer +BertNormalizer$/m);
    expect(out).toMatch(/^pre_tokenizer +BertPreTokenizer$/m);
    expect(out).toMatch(/^post_processor +TemplateProcessing$/m);
    expect(out).toMatch(/^vocab size +30522$/m);
    expect(out).toMatch(/^special tokens +.*\[CLS\] \(101\)/m);
    expect(out).toMatch(/^named special +.*cls=\[CLS\] \(101\)/m);
    expect(out).toMatch(/^chat template +none$/m);
    expect(out).toMatch(/^model_max_length +512$/m);

    const json = JSON.parse(await ok(['inspect', '--json', '--tokenizer', BERT])) as Record<string, unknown>;
    expect(json).toMatchObject({
      path: BERT,
      model: { type: 'WordPiece' },
      normalizer: { type: 'BertNormalizer' },
      decoder: { type: 'WordPiece' },
      vocabSize: 30522,
      addedTokens: { count: 5, special: { '[PAD]': 0, '[UNK]': 100, '[CLS]': 101, '[SEP]': 102, '[MASK]': 103 } },
      specialTokens: { cls: { content: '[CLS]', id: 101 }, sep: { content: '[SEP]', id: 102 } },
      repo: null,
      chatTemplate: { present: false, names: [] },
      modelMaxLength: 512,
      truncation: null,
      padding: null,
    });
  });

  it('describes llama3: byte-level BPE with a chat template', async () => {
    const out = await ok(['inspect', '--tokenizer', LLAMA3]);
    expect(out).toMatch(/^model +BPE \(byte_fallback: false\)$/m);
    expect(out).toMatch(/^pre_tokenizer +Sequence\[Split, ByteLevel\]$/m);
    expect(out).toMatch(/^chat template +yes \(default\)$/m);
    expect(out).toMatch(/… 248 more \(--json lists all\)/);
    const json = JSON.parse(await ok(['inspect', '--json', '--tokenizer', LLAMA3])) as {
      chatTemplate: unknown;
      addedTokens: { special: Record<string, number> };
      specialTokens: unknown;
    };
    expect(json.chatTemplate).toEqual({ present: true, names: ['default'] });
    expect(Object.keys(json.addedTokens.special)).toHaveLength(256);
    expect(json.specialTokens).toMatchObject({ bos: { content: '<|begin_of_text|>', id: 128000 } });
  });

  it('lists Sequence children, named chat templates and the file truncation', async () => {
    const out = await ok(['inspect', '--tokenizer', custom]);
    expect(out).toMatch(/^normalizer +Sequence\[NFC, Replace\]$/m);
    expect(out).toMatch(/^chat template +named: default, tool_use$/m);
    expect(out).toMatch(/^truncation +\{.*"max_length":6/m);
    const json = JSON.parse(await ok(['inspect', '--json', '--tokenizer', custom])) as Record<string, unknown>;
    expect(json.normalizer).toEqual({ type: 'Sequence', children: [{ type: 'NFC' }, { type: 'Replace' }] });
    expect(json.chatTemplate).toEqual({ present: true, names: ['default', 'tool_use'] });
    expect(json.truncation).toMatchObject({ max_length: 6 });
    // encode honours that truncation.
    expect(lines(await ok(['encode', '--tokenizer', custom, 'one two three four five six seven'])).at(-1)).toMatch(/^6 tokens \(truncated/);
  });

  it('takes no positional arguments', async () => {
    const r = await run(['inspect', BERT]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--tokenizer');
  });
});

describe('chat', () => {
  const conversation = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'What is 2+2?' },
    { role: 'assistant', content: 'Four.' },
    { role: 'user', content: 'And 3+3?' },
  ];
  const json = JSON.stringify(conversation);
  const user = JSON.stringify([{ role: 'user', content: 'Hello!' }]);

  it('prints the prompt exactly as the library renders it, adding no newline (qwen3, llama3.1)', async () => {
    const out = await ok(['chat', '--tokenizer', QWEN3, json]);
    expect(out).toBe(qwen3.applyChatTemplate(conversation));
    expect(out.startsWith('<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n')).toBe(true);
    expect(out.endsWith('<|im_start|>user\nAnd 3+3?<|im_end|>\n')).toBe(true); // the template's own newline, no second one

    const withPrompt = await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', json]);
    expect(withPrompt).toBe(qwen3.applyChatTemplate(conversation, { addGenerationPrompt: true }));
    expect(withPrompt).toBe(`${out}<|im_start|>assistant\n`);

    const llama = Tokenizer.fromFile(LLAMA3_1);
    const llamaOut = await ok(['chat', '--tokenizer', LLAMA3_1, '--generation-prompt', json]);
    expect(llamaOut).toBe(llama.applyChatTemplate(conversation, { addGenerationPrompt: true }));
    expect(llamaOut.startsWith('<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>')).toBe(true);
    expect(llamaOut.endsWith('<|start_header_id|>assistant<|end_header_id|>\n\n')).toBe(true);
  });

  it('the output is the prompt byte for byte: piped into count, it counts the ids of --ids', async () => {
    const prompt = await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', json]);
    const idsOut = ids(await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', '--ids', json]));
    expect(await ok(['count', '--tokenizer', QWEN3, '--no-special', '--keep-newline'], prompt)).toBe(`${idsOut.length}\n`);
    expect(ids(await ok(['encode', '--tokenizer', QWEN3, '--no-special', '--ids', '--keep-newline'], prompt))).toEqual(idsOut);
  });

  it('--ids prints the ids of applyChatTemplate(..., {tokenize: true}); --json the text, ids, tokens, count', async () => {
    const enc = qwen3.applyChatTemplate(conversation, { addGenerationPrompt: true, tokenize: true });
    const want = Array.from(enc.ids);
    expect(want.length).toBeGreaterThan(10);
    expect(await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', '--ids', json])).toBe(`${want.join(' ')}\n`);
    expect(JSON.parse(await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', '--ids', '--json', json]))).toEqual(want);
    const out = await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', '--json', json]);
    expect(out.endsWith('}\n')).toBe(true);
    expect(JSON.parse(out)).toEqual({
      text: qwen3.applyChatTemplate(conversation, { addGenerationPrompt: true }),
      ids: want,
      tokens: enc.tokens,
      count: want.length,
    });
  });

  it("--var enable_thinking=false adds qwen3's empty think block; VALUE is JSON when it parses", async () => {
    // qwen3's template: {%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\n\n</think>\n\n' }}
    const plain = await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', user]);
    const off = await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', '--var', 'enable_thinking=false', user]);
    expect(plain.endsWith('<|im_start|>assistant\n')).toBe(true);
    expect(off).toBe(`${plain}<think>\n\n</think>\n\n`);
    expect(off).toBe(qwen3.applyChatTemplate(JSON.parse(user), { addGenerationPrompt: true, templateVars: { enable_thinking: false } }));
    // The JSON string "false" is not false, so no think block.
    expect(await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', '--var', 'enable_thinking="false"', user])).toBe(plain);
  });

  it('--template FILE, repeatable --var, and text values that are not JSON', async () => {
    const file = path.join(tmp, 'greeting.jinja');
    writeFileSync(file, '{{ greeting }}, {{ messages[0].content }} n={{ n + 1 }} t={{ flag is true }}|{{ add_generation_prompt }}');
    const out = await ok([
      'chat',
      '--tokenizer',
      QWEN3,
      '--template',
      file,
      '--var',
      'greeting=Good day',
      '--var',
      'n=41',
      '--var',
      'flag=true',
      '--generation-prompt',
      user,
    ]);
    expect(out).toBe('Good day, Hello! n=42 t=True|True'); // booleans print as in Python (transformers' Jinja)
    // The last --var of a key wins.
    expect(
      await ok([
        'chat',
        '--tokenizer',
        QWEN3,
        '--template',
        file,
        '--var',
        'greeting=a',
        '--var',
        'greeting=b',
        '--var',
        'n=0',
        '--var',
        'flag=0',
        user,
      ]),
    ).toBe('b, Hello! n=1 t=False|False');
  });

  it('--template NAME picks a named template; an unknown name or a missing file is an error, exit 1', async () => {
    const input = JSON.stringify({ messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'f' }] });
    const t = Tokenizer.fromFile(custom);
    // With tools the library picks tool_use; --template default overrides that.
    expect(await ok(['chat', '--tokenizer', custom, input])).toBe(
      t.applyChatTemplate([{ role: 'user', content: 'x' }], { tools: [{ name: 'f' }] }),
    );
    expect(await ok(['chat', '--tokenizer', custom, input])).toBe("[{'name': 'f'}]"); // tool_use, rendered as Python prints a list
    expect(await ok(['chat', '--tokenizer', custom, '--template', 'default', input])).toBe(
      t.applyChatTemplate([{ role: 'user', content: 'x' }], { tools: [{ name: 'f' }], chatTemplate: 'default' }),
    );
    // "default" on a tokenizer with one unnamed template is that template, not the source "default".
    expect(await ok(['chat', '--tokenizer', QWEN3, '--template', 'default', user])).toBe(qwen3.applyChatTemplate(JSON.parse(user)));

    const unknown = await run(['chat', '--tokenizer', custom, '--template', 'tool-use', input]);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe(
      "ferrotok: CHAT_TEMPLATE_INVALID: no chat template named 'tool-use' (it has default, tool_use), and no such file\n",
    );
    const missing = await run(['chat', '--tokenizer', custom, '--template', path.join(tmp, 'missing.jinja'), input]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ferrotok: FILE_NOT_FOUND: .*missing\.jinja \(check the --template path\)/);
  });

  it('takes an object with messages, tools, documents and template variables (OpenAI/vLLM-style bodies)', async () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather in a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const messages = [{ role: 'user', content: 'Weather in Paris?' }];
    const body = { model: 'qwen3', temperature: 0.2, messages, tools };
    const out = await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', JSON.stringify(body)]);
    expect(out).toBe(
      qwen3.applyChatTemplate(messages, { addGenerationPrompt: true, tools, templateVars: { model: 'qwen3', temperature: 0.2 } }),
    );
    expect(out).toContain('<tools>\n{"type": "function", "function": {"name": "get_weather"');
    expect(out).not.toBe(qwen3.applyChatTemplate(messages, { addGenerationPrompt: true }));

    // Other keys and chat_template_kwargs are variables; --var wins over both.
    const thinkOff = qwen3.applyChatTemplate(messages, { addGenerationPrompt: true, templateVars: { enable_thinking: false } });
    expect(thinkOff).toContain('<think>\n\n</think>');
    expect(await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', JSON.stringify({ messages, enable_thinking: false })])).toBe(
      thinkOff,
    );
    const kwargs = JSON.stringify({ messages, chat_template_kwargs: { enable_thinking: false } });
    expect(await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', kwargs])).toBe(thinkOff);
    expect(await ok(['chat', '--tokenizer', QWEN3, '--generation-prompt', '--var', 'enable_thinking=true', kwargs])).toBe(
      qwen3.applyChatTemplate(messages, { addGenerationPrompt: true }),
    );
  });

  it('--continue leaves the final message open', async () => {
    const messages = [
      { role: 'user', content: 'Count to three.' },
      { role: 'assistant', content: 'One, two' },
    ];
    const out = await ok(['chat', '--tokenizer', QWEN3, '--continue', JSON.stringify(messages)]);
    expect(out).toBe(qwen3.applyChatTemplate(messages, { continueFinalMessage: true }));
    expect(out.endsWith('One, two')).toBe(true);
  });

  it('reads stdin (no JSON argument, or "-") and --file', async () => {
    const want = qwen3.applyChatTemplate(conversation);
    expect(await ok(['chat', '--tokenizer', QWEN3], `${JSON.stringify(conversation, null, 2)}\n`)).toBe(want);
    expect(await ok(['chat', '--tokenizer', QWEN3, '-'], json)).toBe(want);
    const file = path.join(tmp, 'chat.json');
    writeFileSync(file, JSON.stringify({ messages: conversation }));
    expect(await ok(['chat', '--tokenizer', QWEN3, '--file', file])).toBe(want);
  });

  it('malformed input is INVALID_ARGUMENT, exit 1, as for decode', async () => {
    for (const [argv, stdin] of [
      [['chat', '[{"role": "user"'], ''],
      [['chat'], ''],
      [['chat'], '{"role": "user", "content": "not in a list"}'],
      [['chat'], '"hello"'],
      [['chat'], '[]'],
      [['chat'], '[1, 2]'],
      [['chat'], '{"messages": [{"role": "user", "content": "x"}], "tools": {"not": "a list"}}'],
      [['chat'], '{"messages": [{"role": "user", "content": "x"}], "tokenize": true}'],
    ] as const) {
      const r = await run(['--tokenizer', QWEN3, ...argv], stdin);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^ferrotok: INVALID_ARGUMENT: /);
      expect(r.code).toBe(1);
    }
    expect((await run(['chat', '--tokenizer', QWEN3, '{"messages": 1'])).stderr).toMatch(
      /^ferrotok: INVALID_ARGUMENT: the chat input is not valid JSON: /,
    );
  });

  it('a tokenizer without a chat template is CHAT_TEMPLATE_INVALID, exit 1', async () => {
    expect(defaultTok.chatTemplates).toEqual([]);
    const r = await run(['chat', user]);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^ferrotok: CHAT_TEMPLATE_INVALID: this tokenizer has no chat_template .*--template NAME\|FILE\n$/);
    // --template FILE supplies one.
    const file = path.join(tmp, 'plain.jinja');
    writeFileSync(file, '{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}');
    expect(await ok(['chat', '--template', file, user])).toBe('user: Hello!\n');
  });

  it('--help explains the input, the exact output and gives an example', async () => {
    const help = await ok(['chat', '--help']);
    for (const s of [
      '--generation-prompt',
      '--continue',
      '--template NAME|FILE',
      '--var KEY=VALUE',
      '--ids',
      '--json',
      'no newline added',
      'Example:',
      'enable_thinking=false',
    ]) {
      expect(help).toContain(s);
    }
    expect(await ok(['help', 'chat'])).toBe(help);
  });
});

describe('--tokenizer REPO (a local stand-in for the Hub)', () => {
  const saved: Record<string, string | undefined> = {};
  const V1 = fakeCommit('qwen3-v1');
  let hub: HubServer;
  let cacheDir: string;

  beforeAll(async () => {
    hub = await HubServer.start({
      'ferrotok-test/bert': { dir: BERT },
      'ferrotok-test/qwen3': { dir: QWEN3, revisions: { v1: V1 } },
    });
  });

  afterAll(async () => {
    await hub.close();
  });

  // An empty cache, no token, and the Hub at 127.0.0.1: nothing reaches the internet or ~/.cache.
  beforeEach(() => {
    hub.reset();
    const root = mkdtempSync(path.join(tmp, 'hub-'));
    cacheDir = path.join(root, 'cache');
    for (const name of HF_VARS) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    Object.assign(process.env, { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir, HF_HOME: path.join(root, 'hf-home') });
  });

  afterEach(() => {
    for (const name of HF_VARS) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('count --tokenizer org/name downloads into the huggingface_hub cache, then reuses it', async () => {
    expect(await ok(['count', '--tokenizer', 'ferrotok-test/bert', 'hello world'])).toBe(`${bert.countTokens('hello world')}\n`);
    expect(hub.count('GET', '/cdn/')).toBe(1);
    expect(readFileSync(path.join(cacheDir, 'models--ferrotok-test--bert', 'refs', 'main'), 'utf8')).toBe(fakeCommit('ferrotok-test/bert'));
    // Offline, the cache answers alone.
    hub.reset();
    process.env.HF_HUB_OFFLINE = '1';
    expect(await ok(['encode', '--ids', '--tokenizer', 'ferrotok-test/bert', 'hello'])).toBe(
      `${Array.from(bert.encode('hello').ids).join(' ')}\n`,
    );
    expect(hub.requests).toEqual([]);
  });

  it('org/name@revision, with chat and inspect', async () => {
    const messages = [{ role: 'user', content: 'Hi' }];
    const want = Array.from(qwen3.applyChatTemplate(messages, { addGenerationPrompt: true, tokenize: true }).ids);
    expect(
      ids(await ok(['chat', '--ids', '--generation-prompt', '--tokenizer', 'ferrotok-test/qwen3@v1', JSON.stringify(messages)])),
    ).toEqual(want);
    expect(hub.count('HEAD', '/ferrotok-test/qwen3/resolve/v1/tokenizer.json')).toBe(1);
    expect(readFileSync(path.join(cacheDir, 'models--ferrotok-test--qwen3', 'refs', 'v1'), 'utf8')).toBe(V1);

    const out = await ok(['inspect', '--tokenizer', 'ferrotok-test/qwen3']);
    expect(out).toMatch(/^repo +ferrotok-test\/qwen3 \(revision main\)$/m);
    expect(out).not.toMatch(/^path /m);
    expect(out).toMatch(/^chat template +yes \(default\)$/m);
    const json = JSON.parse(await ok(['inspect', '--json', '--tokenizer', 'ferrotok-test/qwen3@v1'])) as Record<string, unknown>;
    expect(json).toMatchObject({
      path: null,
      repo: { id: 'ferrotok-test/qwen3', revision: 'v1' },
      chatTemplate: { present: true, names: ['default'] },
    });
  });

  it('hub errors keep their codes, exit 1; path-like names never reach the Hub', async () => {
    const r = await run(['count', '--tokenizer', 'ferrotok-test/missing', 'x']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^ferrotok: HUB_NOT_FOUND: .*ferrotok-test\/missing.*taken as a Hugging Face repo id\)\n$/);
    const rev = await run(['count', '--tokenizer', 'ferrotok-test/bert@nope', 'x']);
    expect(rev.code).toBe(1);
    expect(rev.stderr).toMatch(/^ferrotok: HUB_NOT_FOUND: /);
    process.env.HF_HUB_OFFLINE = '1';
    expect((await run(['count', '--tokenizer', 'ferrotok-test/qwen3', 'x'])).stderr).toMatch(/^ferrotok: HUB_NOT_FOUND: .*offline/);
    delete process.env.HF_HUB_OFFLINE;

    hub.reset();
    for (const p of ['./org/name', 'org/name.json', 'a/b/c', '/no/such', '~/x', 'nope', path.join(tmp, 'org', 'name')]) {
      const f = await run(['count', '--tokenizer', p, 'x']);
      expect(f.code).toBe(1);
      expect(f.stderr).toMatch(/^ferrotok: FILE_NOT_FOUND: /);
    }
    expect(hub.requests).toEqual([]);
  });
});

describe('help and errors', () => {
  it('--help, help COMMAND, COMMAND --help, --version', async () => {
    const top = await ok(['--help']);
    for (const c of ['encode', 'decode', 'count', 'chat', 'inspect']) expect(top).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(await ok(['help'])).toBe(top);
    expect(await ok(['encode', '--help'])).toContain('--max-length N');
    expect(await ok(['help', 'count'])).toContain('--lines');
    expect(await ok(['decode', '-h'])).toContain('--skip-special');
    // Every command's help says --tokenizer also takes a Hub repo id.
    for (const c of ['encode', 'decode', 'count', 'chat', 'inspect']) expect(await ok([c, '--help'])).toContain('org/name[@revision]');
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(await ok(['--version'])).toBe(`ferrotok ${pkg.version}\n`);
  });

  it('a missing tokenizer is FILE_NOT_FOUND, exit 1', async () => {
    const r = await run(['encode', '--tokenizer', path.join(tmp, 'nope'), 'x']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^ferrotok: FILE_NOT_FOUND: .*nope/);
    const f = await run(['count', '--file', path.join(tmp, 'missing.txt')]);
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/^ferrotok: FILE_NOT_FOUND: .*missing\.txt/);
  });

  it.each([
    [['bogus'], /unknown command 'bogus'/],
    [[], /missing command/],
    [['encode', '--bogus', 'x'], /Unknown option '--bogus'/],
    [['encode', '--pair'], /argument missing/],
    [['encode', '--lines', 'x'], /'encode' does not take --lines/],
    [['decode', '--pair', 'x', '1'], /'decode' does not take --pair/],
    [['encode', '--max-length', 'ten', 'x'], /--max-length takes a whole number/],
    [['encode', '--max-length', '0', 'x'], /--max-length takes a whole number/],
    [['encode', '--file', 'a.txt', 'text'], /not two of them/],
    [['count', '--file', 'a.txt', '-'], /not two of them/],
    [['help', 'bogus'], /unknown command 'bogus'/],
    [['chat', '--var', 'enable_thinking', '[]'], /--var takes KEY=VALUE/],
    [['chat', '--var', '=1', '[]'], /--var takes KEY=VALUE/],
    [['chat', '--var', 'tokenize=true', '[]'], /--var tokenize is not a template variable \(use --ids\)/],
    [['chat', '--generation-prompt', '--continue', '[]'], /cannot be combined/],
    [['chat', '--pair', 'x', '[]'], /'chat' does not take --pair/],
    [['encode', '--template', 't', 'x'], /'encode' does not take --template/],
  ])('usage error, exit 2: %j', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/Run 'ferrotok( \w+)? --help' for usage\.\n$/);
  });

  it('a closed stdout ends quietly with 0; any other failure is exit 70 with the stack', async () => {
    let writes = 0;
    const closed = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    let stderr = '';
    const io = {
      stdin: '',
      stderr: (s: string) => {
        stderr += s;
      },
    };
    const code = await main(['encode', 'a b c d e f'], {
      ...io,
      stdout: () => {
        writes++;
        throw closed;
      },
    });
    expect({ code, writes, stderr }).toEqual({ code: 0, writes: 1, stderr: '' });

    // Long outputs pause for `drain` every 1024 lines: that is where a closed pipe is noticed.
    let drains = 0;
    let gone = false;
    const many = 'line\n'.repeat(5000);
    const paced = await main(['count', '--lines', '--tokenizer', BERT], {
      ...io,
      stdin: many,
      drain: async () => {
        drains++;
        gone = true;
      },
      stdout: () => {
        if (gone) throw closed;
        writes++;
      },
    });
    expect({ paced, drains, writes, stderr }).toEqual({ paced: 0, drains: 1, writes: 1 + 1024, stderr: '' });

    // Any other system error on stdout is lost output: exit 1, the command and the error named.
    const full = await main(['encode', 'x'], {
      ...io,
      stdout: () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    });
    expect({ full, stderr }).toEqual({
      full: 1,
      stderr: 'ferrotok: encode: cannot write to stdout: ENOSPC: no space left on device, write\n',
    });
    stderr = '';
    // A failure that arrives after the last write returned is seen by flush.
    const late = await main(['count', 'x'], {
      ...io,
      stdout: () => {},
      flush: () => Promise.reject(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' })),
    } as never);
    expect({ late, stderr }).toEqual({ late: 1, stderr: 'ferrotok: count: cannot write to stdout: EIO: i/o error, write\n' });
    stderr = '';

    const bug = await main(['encode', 'x'], {
      ...io,
      stdout: () => {
        throw new TypeError('boom');
      },
    });
    expect(bug).toBe(70);
    expect(stderr).toMatch(/^ferrotok: internal error .*TypeError: boom\n\s+at /s);
  });
});

describe('bin/ferrotok.js', () => {
  const node = (args: string[], input?: string) =>
    spawnSync(process.execPath, [BIN, ...args], { cwd: repoRoot, encoding: 'utf8', ...(input === undefined ? {} : { input }) });

  it('is a node script that runs the CLI and sets the exit code', () => {
    expect(readFileSync(BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const r = node(['encode', '--ids', 'Hello world']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(ids(r.stdout)).toEqual(Array.from(defaultTok.encode('Hello world').ids));
    const piped = node(['decode', '--skip-special', '--tokenizer', BERT], '101 7592 102');
    expect([piped.status, piped.stdout]).toEqual([0, 'hello\n']);
  });

  it('exits 2 on usage errors and 1 on tokenizer errors', () => {
    expect(node(['bogus']).status).toBe(2);
    const r = node(['decode', 'abc']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ferrotok: INVALID_ARGUMENT: /);
  });

  it('a full disk is exit 1 with the error, whether the output is one line or many (> /dev/full)', () => {
    const full = openSync('/dev/full', 'w');
    try {
      for (const args of [['encode', '--ids', 'Hello'], ['encode', '--tokenizer', BERT, '--file', bigFile], ['--help']]) {
        const r = spawnSync(process.execPath, [BIN, ...args], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', full, 'pipe'] });
        expect(r.stderr).toMatch(/^ferrotok: (encode: )?cannot write to stdout: ENOSPC: no space left on device/);
        expect(r.status).toBe(1);
      }
    } finally {
      closeSync(full);
    }
  });

  it('stops quietly when the reader closes the pipe (| head)', async () => {
    const child = spawn(process.execPath, [BIN, 'count', '--lines', '--tokenizer', BERT, '--file', bigFile], { cwd: repoRoot });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

let tmp: string;
let custom: string;
let bigFile: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ferrotok-cli-'));
  custom = path.join(tmp, 'custom');
  // bert, with a Sequence normalizer, a truncation of its own and named chat templates.
  const json = JSON.parse(readFileSync(path.join(BERT, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  json.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { String: '’' }, content: "'" }] };
  json.truncation = { direction: 'Right', max_length: 6, strategy: 'LongestFirst', stride: 0 };
  mkdirSync(custom);
  writeFileSync(path.join(custom, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(
    path.join(custom, 'tokenizer_config.json'),
    JSON.stringify({
      chat_template: [
        { name: 'default', template: '{{ messages }}' },
        { name: 'tool_use', template: '{{ tools }}' },
      ],
    }),
  );
  // Enough output that the child is still writing when the pipe closes.
  bigFile = path.join(tmp, 'big.txt');
  writeFileSync(bigFile, 'the quick brown fox jumps over the lazy dog\n'.repeat(200_000));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});
