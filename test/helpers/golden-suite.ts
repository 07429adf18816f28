/**
 * The golden-file parity suite of one tokenizer set (see parity.goldens.test.ts): every
 * tokenizer's goldens from Python `tokenizers` 0.23.1, reproduced exactly. The suite is split
 * over two test files by tokenizer family so that vitest runs the halves on two workers.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Tokenizer, TokenizerError } from 'ferrotok';
import { blockText, corpusRoot } from './corpus';
import { digest, plain } from './digest';
import { bigText, caseLabel, caseOptions, type GoldenCase, jsInput, loadGolden } from './goldens';
import { type TestTokenizer, type TokenizerFamily, tokenizerJsonPath } from './tokenizers';

/** The families of parity.goldens.sentencepiece.test.ts; the rest are in parity.goldens.test.ts. */
export const SENTENCEPIECE_FAMILIES: readonly TokenizerFamily[] = ['bpe-sentencepiece', 'unigram'];

type Tok = ReturnType<typeof Tokenizer.fromFile>;

const BATCH = 256;

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Consecutive cases with the same input and addSpecialTokens, so each test covers one input. */
function groupCases(cases: GoldenCase[]): { label: string; cases: GoldenCase[] }[] {
  const groups: { key: string; label: string; cases: GoldenCase[] }[] = [];
  for (const c of cases) {
    const key = JSON.stringify([c.input, c.addSpecialTokens]);
    const last = groups[groups.length - 1];
    if (last && last.key === key) {
      last.cases.push(c);
    } else {
      const kind = typeof c.input === 'string' ? 'single' : 'pair';
      const head = (typeof c.input === 'string' ? c.input : c.input[0]).slice(0, 40);
      groups.push({
        key,
        label: `#${groups.length} ${kind} special=${c.addSpecialTokens} ${JSON.stringify(head)}`,
        cases: [c],
      });
    }
  }
  return groups.map(({ label, cases: cs }) => ({ label, cases: cs }));
}

function checkCase(tok: Tok, c: GoldenCase): void {
  const [text, pair] = typeof c.input === 'string' ? [c.input, undefined] : c.input;
  const opts = pair === undefined ? caseOptions(c) : { ...caseOptions(c), pair };
  const label = caseLabel(c);
  if (c.error) {
    expect(() => tok.encode(text, opts), `${label}: Python raised ${c.error.type} (${c.error.stage}): ${c.error.message}`).toThrow(
      TokenizerError,
    );
    return;
  }
  const enc = tok.encode(text, opts);
  if (c.result) {
    expect(plain(enc), label).toEqual(c.result);
  } else {
    expect(enc.ids.length, `${label}: token count`).toBe(c.result_n);
    expect(enc.overflowing.length, `${label}: overflowing count`).toBe(c.result_overflowing);
    expect(digest(enc), `${label}: digest`).toBe(c.result_digest);
  }
}

/**
 * ferrotok frees an Encoding's native memory from a finalizer, which Node runs on a later turn
 * of the event loop, not inside a synchronous stretch of code. Vitest runs synchronous tests
 * back to back with only microtask turns in between, so without this yield native memory
 * piles up across thousands of tests (tens of GB here).
 */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The goldens of every tokenizer in `tokenizers`, one `describe` each. */
export function goldenSuite(tokenizers: readonly TestTokenizer[]): void {
  afterEach(yieldToEventLoop);
  describe.each(tokenizers.map((t) => [t.name, t] as const))('%s', (name, spec) => {
    const golden = loadGolden(name);
    let tok: Tok;

    beforeAll(() => {
      tok = Tokenizer.fromFile(spec.path);
    }, 120_000);
    afterAll(() => {
      tok = undefined as unknown as Tok; // let the engine go before the next tokenizer loads
    });

    test('golden matches the fixture and the corpus', () => {
      expect(golden.meta.name).toBe(name);
      expect(golden.meta.tokenizers_version).toBe('0.23.1');
      expect(sha256File(tokenizerJsonPath(spec)), 'tokenizer.json changed: rerun generate.py').toBe(golden.meta.tokenizer_sha256);
      const files = [
        ...['en_prose.txt', 'code.txt', 'multilingual.txt', 'emoji.txt', 'prompts.txt'],
        ...readdirSync(path.join(corpusRoot, 'long'))
          .sort()
          .map((f) => `long/${f}`),
      ];
      expect(Object.keys(golden.meta.corpus_sha256).sort(), 'the goldens cover the whole corpus').toEqual([...files].sort());
      for (const f of files) {
        expect(sha256File(path.join(corpusRoot, f)), `${f} changed: rerun generate.py`).toBe(golden.meta.corpus_sha256[f]);
      }
    });

    test.each([true, false])(
      'corpus blocks, addSpecialTokens=%s (encodeBatch, digests)',
      async (add) => {
        const k = add ? 0 : 1;
        const failures: string[] = [];
        for (let i = 0; i < golden.blocks.length; i += BATCH) {
          const blocks = golden.blocks.slice(i, i + BATCH);
          const batch = tok.encodeBatch(blocks.map(blockText), { addSpecialTokens: add });
          expect(batch.length).toBe(blocks.length);
          blocks.forEach((b, j) => {
            const enc = batch.at(j)!;
            const d = digest(enc);
            if (enc.ids.length !== b.n[k] || d !== b.digest[k]) {
              failures.push(
                `${b.file} lines ${b.lines[0]}-${b.lines[1]}: n=${enc.ids.length} (golden ${b.n[k]}), ` +
                  `digest ${d} (golden ${b.digest[k]}); our first ids ` +
                  `[${Array.from(enc.ids.subarray(0, 20)).join(',')}] tokens ${JSON.stringify(enc.tokens.slice(0, 20))}`,
              );
            }
          });
          await yieldToEventLoop();
        }
        expect(
          failures.length,
          `${failures.length}/${golden.blocks.length} blocks differ; first ones:\n${failures.slice(0, 8).join('\n')}`,
        ).toBe(0);
      },
      900_000,
    );

    test.each(golden.texts.map((t) => [t.id, t] as const))('text %s', (_id, t) => {
      const input = jsInput(t);
      expect(plain(tok.encode(input, { addSpecialTokens: true })), 'addSpecialTokens=true').toEqual(t.enc.special);
      expect(plain(tok.encode(input, { addSpecialTokens: false })), 'addSpecialTokens=false').toEqual(t.enc.plain);
      expect(tok.decode(t.enc.special.ids, { skipSpecialTokens: false }), 'decode keep').toBe(t.decode.keep);
      expect(tok.decode(t.enc.special.ids, { skipSpecialTokens: true }), 'decode skip').toBe(t.decode.skip);
      // countTokens ignores the file's truncation/padding; elsewhere it is the ids length.
      expect(tok.countTokens(input, { addSpecialTokens: true }), 'countTokens true').toBe(t.count[0]);
      expect(tok.countTokens(input, { addSpecialTokens: false }), 'countTokens false').toBe(t.count[1]);
    });

    test('decode of encode(...).ids and decodeBatch, prompt lines', () => {
      const prompts = golden.texts.filter((t) => t.id.startsWith('prompt:'));
      expect(prompts.length).toBeGreaterThan(0);
      for (const p of prompts) {
        const ids = tok.encode(p.text, { addSpecialTokens: true }).ids;
        expect(tok.decode(ids, { skipSpecialTokens: false }), p.id).toBe(p.decode.keep);
      }
      const idsList = prompts.map((p) => p.enc.special.ids);
      expect(tok.decodeBatch(idsList, { skipSpecialTokens: true })).toEqual(prompts.map((p) => p.decode.skip));
      expect(tok.decodeBatch(idsList, { skipSpecialTokens: false })).toEqual(prompts.map((p) => p.decode.keep));
    });

    test.each(golden.big.map((b) => [b.id, b] as const))(
      'big text %s (digest)',
      (_id, b) => {
        const text = bigText(b);
        [true, false].forEach((add, k) => {
          const enc = tok.encode(text, { addSpecialTokens: add });
          expect(enc.ids.length, `addSpecialTokens=${add}`).toBe(b.n[k]);
          expect(digest(enc), `addSpecialTokens=${add}`).toBe(b.digest[k]);
          expect(tok.countTokens(text, { addSpecialTokens: add }), `countTokens ${add}`).toBe(b.count[k]);
        });
      },
      300_000,
    );

    test.each(golden.pairs.map((p, i) => [i, JSON.stringify(p.a.slice(0, 30)), p] as const))('pair #%s %s', (_i, _label, p) => {
      expect(plain(tok.encode(p.a, { pair: p.b, addSpecialTokens: true })), 'addSpecialTokens=true').toEqual(p.enc.special);
      expect(plain(tok.encode(p.a, { pair: p.b, addSpecialTokens: false })), 'addSpecialTokens=false').toEqual(p.enc.plain);
    });

    test.each(groupCases(golden.truncation).map((g) => [g.label, g.cases] as const))('truncation %s', (_label, cases) => {
      for (const c of cases) checkCase(tok, c);
    });

    test.each(groupCases(golden.padding).map((g) => [g.label, g.cases] as const))('padding %s', (_label, cases) => {
      for (const c of cases) checkCase(tok, c);
    });

    test.each(golden.batches.map((b, i) => [i, caseLabel(b), b] as const))('encodeBatch #%s %s', (_i, label, b) => {
      const inputs = b.inputs.map((x) => (typeof x === 'string' ? x : ([x[0], x[1]] as [string, string])));
      const be = tok.encodeBatch(inputs, caseOptions(b));
      expect(be.length).toBe(b.rows.length);
      const rows = Array.from({ length: be.length }, (_, i) => plain(be.at(i)!));
      expect(rows, label).toEqual(b.rows);
      expect([...be].map(plain), `${label}: iteration`).toEqual(b.rows);
      const lengths = new Set(b.rows.map((r) => r.ids.length));
      expect(lengths.size, 'padded batch rows share one length').toBe(1);
      const seqLen = b.rows[0]!.ids.length;
      expect(Array.from(be.dims!), `${label}: dims`).toEqual([b.rows.length, seqLen]);
      expect(Array.from(be.inputIds!), `${label}: inputIds`).toEqual(b.rows.flatMap((r) => r.ids));
      expect(Array.from(be.attentionMask!), `${label}: attentionMask`).toEqual(b.rows.flatMap((r) => r.attentionMask));
      expect(Array.from(be.typeIds!), `${label}: typeIds`).toEqual(b.rows.flatMap((r) => r.typeIds));
    });
  });
}
