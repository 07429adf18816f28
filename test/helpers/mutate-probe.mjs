// Child process of test/mutate.test.ts: loads each mutated tokenizer.json of a manifest and,
// when it loads, uses it. One line per event on stdout, written synchronously, so that the
// parent knows which file was in progress when the process died or hung:
//   S <index>          started file <index>
//   R <json>           its result: { index, loaded, calls, codes: {CODE: n}, bad: [...] }
// `bad` lists every throw that is not a TokenizerError, or whose code is INTERNAL.
//
// Usage: [FERROTOK_PROBE_TRACE=1] node test/helpers/mutate-probe.mjs <manifest.json>
//   manifest: { dist: '<repo>/dist/cjs/index.js', files: [{ index, file }] }
import { readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

const manifest = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { Tokenizer, TokenizerError } = createRequire(import.meta.url)(manifest.dist);

/** FERROTOK_PROBE_TRACE=1: each call's name on stderr before it runs (to find a hang). */
const TRACE = process.env.FERROTOK_PROBE_TRACE === '1';

const TEXTS = [
  'Hello, world! The quick brown fox — 123 456.',
  '日本語のテキストと中文，한국어도。',
  '😀👍🏽 family: 👨‍👩‍👧 flags 🇫🇷',
  'lone \uD800 surrogate \uDC00 end',
  'a'.repeat(10_000),
  '',
];

function line(s) {
  writeSync(1, `${s}\n`);
}

function probeFile(index, file) {
  const started = Date.now();
  const result = { index, loaded: false, calls: 0, codes: {}, bad: [] };
  const call = (name, f) => {
    if (TRACE) writeSync(2, `${index} ${name} ${Date.now() - started} ms\n`);
    result.calls++;
    try {
      return { ok: true, value: f() };
    } catch (e) {
      if (e instanceof TokenizerError) {
        result.codes[e.code] = (result.codes[e.code] ?? 0) + 1;
        if (e.code === 'INTERNAL') result.bad.push({ call: name, kind: 'INTERNAL', message: String(e.message).slice(0, 300) });
      } else {
        result.codes.NOT_TOKENIZER_ERROR = (result.codes.NOT_TOKENIZER_ERROR ?? 0) + 1;
        result.bad.push({ call: name, kind: e?.constructor?.name ?? typeof e, message: String(e?.message ?? e).slice(0, 300) });
      }
      return { ok: false };
    }
  };
  const json = readFileSync(file);
  const loaded = call('fromJSON', () => Tokenizer.fromJSON(json));
  if (!loaded.ok) return result;
  result.loaded = true;
  const tok = loaded.value;
  const vocab = call('vocabSize', () => tok.vocabSize);
  const n = vocab.ok ? vocab.value : 10;
  call('addedTokens', () => tok.addedTokens.length);
  call('tokenToId', () => tok.tokenToId('a'));
  call('idToToken', () => tok.idToToken(0));
  call('numSpecialTokensToAdd', () => tok.numSpecialTokensToAdd(true));
  TEXTS.forEach((text, t) => {
    const at = `text[${t}]`;
    const enc = call(`encode(${at})`, () => {
      const e = tok.encode(text);
      return [e.ids, e.tokens, e.offsets, e.attentionMask, e.wordIds, e.overflowing.length];
    });
    call(`encode(${at}, pair)`, () => tok.encode(text, { pair: TEXTS[(t + 1) % TEXTS.length] }).ids);
    const ids = call(`encodeIds(${at})`, () => tok.encodeIds(text));
    call(`countTokens(${at})`, () => tok.countTokens(text));
    call(`countTokens(${at}, no special)`, () => tok.countTokens(text, { addSpecialTokens: false, specialTokens: 'plain' }));
    const some = ids.ok ? ids.value : enc.ok ? enc.value[0] : new Uint32Array([0, 1, 2]);
    call(`decode(${at})`, () => tok.decode(some));
    call(`decode(${at}, skip)`, () => tok.decode(some, { skipSpecialTokens: true }));
    call(`decodeStream(${at})`, () => {
      const s = tok.decodeStream();
      const out = [];
      for (const id of some.slice(0, 2000)) out.push(s.step(id));
      out.push(s.finish());
      return out;
    });
  });
  call('decode(edge ids)', () => tok.decode([0, 1, Math.max(0, n - 1), n, n + 1, 2 ** 32 - 1]));
  call('encodeBatch(padding longest)', () => {
    const b = tok.encodeBatch(TEXTS, { padding: { strategy: 'longest', padId: 0 } });
    return [b.dims, b.inputIds, b.attentionMask, b.at(0)?.tokens];
  });
  call('encodeBatch(pairs, padding max_length, truncation)', () => {
    const b = tok.encodeBatch(
      TEXTS.map((t) => [t, 'pair']),
      { padding: { strategy: 'max_length', maxLength: 16, padId: 0 }, truncation: { maxLength: 16, stride: 2 } },
    );
    return [b.dims, b.inputIds];
  });
  call('encodeBatch(file defaults)', () => tok.encodeBatch(TEXTS.slice(0, 3)).length);
  call('encodeBatchIds', () => tok.encodeBatchIds(TEXTS).ids);
  call('countTokensBatch', () => tok.countTokensBatch(TEXTS));
  call('truncateToTokens', () => tok.truncateToTokens(TEXTS[0], 3));
  call('roundtrip toTokenizerJson', () => Tokenizer.fromJSON(tok.toTokenizerJson()).encodeIds(TEXTS[0]));
  return result;
}

for (const { index, file } of manifest.files) {
  line(`S ${index}`);
  line(`R ${JSON.stringify(probeFile(index, file))}`);
}
