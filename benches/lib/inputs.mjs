/**
 * Builds every input once per run into a temporary folder (manifest.json + text files), so Node
 * and Python children read byte-identical text. Hostile inputs are generated deterministically.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS } from './paths.mjs';

const AGREEMENT_DOC_CHARS = 4_096;
const AGREEMENT_HOSTILE_CHARS = 1_000;

export function buildInputs(dir, mode) {
  mkdirSync(dir, { recursive: true });
  const prompts = readLines(join(CORPUS, 'prompts.txt')).slice(0, mode.prompts);
  const prompt100 = readFileSync(join(CORPUS, 'prompt100.txt'), 'utf8').replace(/\n$/, '');
  const docs = longDocs(mode.docs, mode.docChars).map((d) => ({ ...d, path: writeText(dir, `doc-${d.name}`, d.text) }));
  // variant 0 is the agreement sample's source; timed repetitions use variants 1..reps, so no
  // peer has seen a timed input before (the agreement pass would have filled its piece cache)
  const hostile = hostileCases(mode.hostile, mode.reps + 1).map((c) => ({
    ...c,
    paths: c.texts.map((t, v) => writeText(dir, `hostile-${c.id}-v${v}`, t)),
  }));
  const samples = agreementSamples(prompts, prompt100, docs, hostile);
  const unique = uniqueSets(mode.uniqueLines, 2 * mode.reps, prompts).map((lines, i) => ({
    path: writeJson(dir, `unique-${i}`, lines),
    lines: lines.length,
    bytes: utf8Bytes(lines),
  }));
  const manifest = {
    prompt100,
    prompts: { path: writeJson(dir, 'prompts', prompts), count: prompts.length, bytes: utf8Bytes(prompts) },
    countPrompts: { count: Math.min(mode.countPrompts, prompts.length), bytes: utf8Bytes(prompts.slice(0, mode.countPrompts)) },
    docs: docs.map(({ text, ...d }) => d),
    hostile: hostile.map(({ texts, ...c }) => c),
    unique: { sources: UNIQUE_SOURCES.map((f) => `${f}.txt`), sets: unique },
    samples: { path: writeJson(dir, 'samples', samples), count: samples.length, prompts: prompts.length },
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  return manifest;
}

function readLines(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

function longDocs(names, maxChars) {
  const dir = join(CORPUS, 'long');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt') && names.includes(f.slice(0, -4)))
    .sort()
    .map((f) => {
      const text = cutChars(readFileSync(join(dir, f), 'utf8'), maxChars);
      return { name: f.replace(/\.txt$/, ''), chars: text.length, bytes: Buffer.byteLength(text), text };
    });
}

/** The first `n` UTF-16 units of `s`, never ending inside a surrogate pair. */
export function cutChars(s, n) {
  if (s.length <= n) return s;
  const end = /[\uD800-\uDBFF]/.test(s[n - 1]) ? n - 1 : n;
  return s.slice(0, end);
}

// Deterministic pseudo-random source (xorshift32), so every run hashes the same hostile bytes.
function rng(seed) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const EMOJI = ['😀', '🎉', '👍🏽', '🇺🇦', '👩‍💻', '❤️', '🫒', '🚀', '👨‍👩‍👧‍👦', '🧑🏿‍🚀', '✅', '🐍', '🏳️‍🌈', '🤖', '🍕', '🔥'];

// Each generator takes (size, variant): every timed repetition gets its own variant, so a peer's
// piece cache cannot turn repetitions 2..n of the same hostile input into lookups.
const HOSTILE_KINDS = {
  repeat: { label: 'one repeated character', make: (n, v) => 'abcdefgh'[v % 8].repeat(n) },
  base64: {
    label: 'base64 blob',
    make: (n, v) => {
      const next = rng(42 + v);
      const bytes = Buffer.alloc(Math.ceil((n * 3) / 4) + 3);
      for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
      return bytes.toString('base64').slice(0, n);
    },
  },
  digits: {
    label: 'digit run',
    make: (n, v) => {
      const next = rng(7 + v);
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = 48 + (next() % 10);
      return out.toString('latin1');
    },
  },
  emoji: {
    label: 'emoji, no spaces (incl. ZWJ sequences, flags, skin tones)',
    make: (count, v) => {
      const next = rng(99 + v);
      const parts = new Array(count);
      for (let i = 0; i < count; i++) parts[i] = EMOJI[next() % EMOJI.length];
      return parts.join('');
    },
  },
};

/**
 * Each hostile kind at sizes 10x apart: the time ratio between sizes says whether cost grows
 * linearly. `variants` texts per case, one per timed repetition.
 */
function hostileCases(sizes, variants) {
  const cases = [];
  for (const [kind, def] of Object.entries(HOSTILE_KINDS)) {
    const ns = kind === 'emoji' ? sizes.emoji : sizes.bytes;
    for (const [step, n] of ns.entries()) {
      const texts = Array.from({ length: variants }, (_, v) => def.make(n, v));
      const size = kind === 'emoji' ? `${fmtCount(n)} emoji` : fmtBytes(n);
      cases.push({
        id: `${kind}-${n}`,
        kind,
        kindLabel: def.label,
        step,
        n,
        size,
        chars: texts[0].length,
        bytes: Buffer.byteLength(texts[0]),
        texts,
      });
    }
  }
  return cases;
}

const UNIQUE_SOURCES = ['en_prose', 'multilingual', 'code', 'emoji'];

/**
 * (i) Lines no earlier workload has shown the tokenizer, and no repetition shows it twice: every
 * 20–300-character line of the four mixed corpus files, less the prompt lines (the batch and
 * latency input) and the lines of the long documents, deduplicated, shuffled with a fixed seed,
 * then dealt into `count` disjoint sets of `n` lines. The shuffle makes every set the same mix of
 * English, code, other scripts and emoji (set sizes in bytes agree within about 1%), so one
 * repetition costs the same as the next, and a word cache can hold only what the other sets share
 * with this one (the common words of each language), never the previous repetition's lines.
 */
function uniqueSets(n, count, prompts) {
  const seen = new Set(prompts);
  for (const f of readdirSync(join(CORPUS, 'long'))) for (const l of readLines(join(CORPUS, 'long', f))) seen.add(l);
  const pool = [];
  for (const f of UNIQUE_SOURCES) {
    for (const l of readLines(join(CORPUS, `${f}.txt`))) {
      if (l.length > 300 || l.trim().length < 20 || seen.has(l)) continue;
      seen.add(l);
      pool.push(l);
    }
  }
  const next = rng(2024);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  if (pool.length < n * count)
    throw new Error(`unique lines: ${count} sets of ${n} need ${n * count} lines, the corpus has ${pool.length}`);
  return Array.from({ length: count }, (_, k) => pool.slice(k * n, (k + 1) * n));
}

/**
 * What every peer must encode exactly as ferrotok does before its numbers mean anything: every
 * prompt line (the batch workload's input, so the agreement pass also warms it up), the latency
 * prompt, and the start of each document and hostile input.
 */
function agreementSamples(prompts, prompt100, docs, hostile) {
  const samples = [{ name: 'prompt100', text: prompt100 }];
  for (const [i, text] of prompts.entries()) samples.push({ name: `prompt#${i}`, text });
  for (const d of docs) samples.push({ name: `doc:${d.name}[:4K]`, text: cutChars(d.text, AGREEMENT_DOC_CHARS) });
  for (const c of hostile.filter((h) => h.step === 0)) {
    samples.push({ name: `hostile:${c.kind}[:1K]`, text: cutChars(c.texts[0], AGREEMENT_HOSTILE_CHARS) });
  }
  return samples;
}

function writeText(dir, name, text) {
  const path = join(dir, `${name}.txt`);
  writeFileSync(path, text);
  return path;
}

function writeJson(dir, name, value) {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

const utf8Bytes = (lines) => lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
const fmtCount = (n) => (n >= 1000 ? `${n / 1000}k` : String(n));
export const fmtBytes = (n) => (n >= 1_000_000 ? `${n / 1_000_000} MB` : n >= 1000 ? `${n / 1000} KB` : `${n} B`);
