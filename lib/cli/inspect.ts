/**
 * `ferrotok inspect`: what a tokenizer holds — its pipeline, vocabulary, special tokens and
 * config — so one can tell at a glance which model a tokenizer.json belongs to.
 *
 * The pipeline comes from `tok.toTokenizerJson()`, the engine's own serialization, not the file's text:
 * it is what was actually loaded, with every field spelled out (older files omit `model.type`).
 */
import type { SpecialTokens } from '../config';
import type { Tokenizer } from '../tokenizer';
import { COMMON_HELP, type Command } from './command';
import type { TokenizerSource } from './context';
import { escapeControls } from './format';

/** A pipeline component: its type, and for `Sequence` the components it chains. */
export interface Component {
  type: string;
  children?: Component[];
}

export interface InspectReport {
  /** The file or folder --tokenizer named; null for a Hub repo. */
  path: string | null;
  /** The Hub repo --tokenizer named (revision 'main' unless given); null for a path. */
  repo: { id: string; revision: string } | null;
  model: { type: string; byteFallback?: boolean };
  normalizer: Component | null;
  preTokenizer: Component | null;
  postProcessor: Component | null;
  decoder: Component | null;
  vocabSize: number;
  /** Which engine answers ids calls (`Tokenizer.idsEngine`). */
  idsEngine: string;
  addedTokens: { count: number; special: Record<string, number> };
  specialTokens: SpecialTokens;
  /** `names` as `tok.chatTemplates` gives them: ["default"] for a single template, empty for none. */
  chatTemplate: { present: boolean; names: string[] };
  /** As tokenizer_config.json says it (transformers writes 1e30 for "no limit"), or null. */
  modelMaxLength: number | null;
  /** The tokenizer.json's own `truncation` / `padding`, as the engine serializes them. */
  truncation: unknown;
  padding: unknown;
}

export const inspect: Command = {
  name: 'inspect',
  summary: 'describe the tokenizer: model, pipeline, vocabulary, special tokens, config',
  options: [],
  help: `Usage: ferrotok inspect [options]

Describes the tokenizer: model type (and byte_fallback for BPE), normalizer,
pre-tokenizer, post-processor and decoder (Sequence children in brackets), vocabulary
size, added and special tokens, the named special tokens of tokenizer_config.json, its chat
templates ("none", "yes (default)" for a single one, else "named: " and their names, any of
which \`ferrotok chat --template NAME\` takes), model_max_length, and the file's truncation
and padding. For a Hub repo, a "repo" line replaces "path".

Options:
  --json             print all of it as one JSON object (every special token listed)
${COMMON_HELP}
`,
  async run(ctx) {
    if (ctx.args.length > 0) throw ctx.usageError(`'inspect' takes no arguments (use --tokenizer ${ctx.args[0]})`);
    const report = inspectTokenizer(await ctx.tokenizer(), ctx.tokenizerSource);
    if (ctx.flag('json')) ctx.print(JSON.stringify(report));
    else for (const [label, value] of describe(report)) ctx.print(`${label.padEnd(18)}${value}`);
  },
};

type Json = Record<string, unknown>;

export function inspectTokenizer(tok: Tokenizer, source: TokenizerSource): InspectReport {
  const json = JSON.parse(tok.toTokenizerJson()) as Json;
  const special = tok.addedTokens.filter((t) => t.special);
  return {
    path: source.kind === 'path' ? source.path : null,
    repo: source.kind === 'hub' ? { id: source.repoId, revision: source.revision ?? 'main' } : null,
    model: model(json.model),
    normalizer: component(json.normalizer),
    preTokenizer: component(json.pre_tokenizer),
    postProcessor: component(json.post_processor),
    decoder: component(json.decoder),
    vocabSize: tok.vocabSize,
    idsEngine: tok.idsEngine,
    addedTokens: { count: tok.addedTokens.length, special: Object.fromEntries(special.map((t) => [t.content, t.id])) },
    specialTokens: tok.specialTokens,
    chatTemplate: { present: tok.chatTemplates.length > 0, names: tok.chatTemplates },
    modelMaxLength: typeof tok.config?.model_max_length === 'number' ? tok.config.model_max_length : null,
    truncation: json.truncation ?? null,
    padding: json.padding ?? null,
  };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function model(m: unknown): InspectReport['model'] {
  const type = isObject(m) && typeof m.type === 'string' ? m.type : 'unknown';
  // byte_fallback decides whether unknown characters become <0xNN> tokens or the unk token.
  return type === 'BPE' && isObject(m) ? { type, byteFallback: m.byte_fallback === true } : { type };
}

// Each Sequence names its list differently (normalizers, pretokenizers, processors, decoders).
const CHILD_KEYS = ['normalizers', 'pretokenizers', 'processors', 'decoders'] as const;

function component(c: unknown): Component | null {
  if (!isObject(c)) return null;
  const type = typeof c.type === 'string' ? c.type : 'unknown';
  const children = CHILD_KEYS.map((k) => c[k]).find(Array.isArray);
  return children ? { type, children: children.map((x) => component(x) ?? { type: 'unknown' }) } : { type };
}

// ---- the human-readable form -------------------------------------------------------------

/** Past this many, the table lists the first few special tokens and says how many more. */
const SHOWN_TOKENS = 8;

function describe(r: InspectReport): [string, string][] {
  const bf = r.model.byteFallback === undefined ? '' : ` (byte_fallback: ${r.model.byteFallback})`;
  return [
    r.repo === null ? ['path', r.path ?? ''] : ['repo', `${r.repo.id} (revision ${r.repo.revision})`],
    ['model', `${r.model.type}${bf}`],
    ['normalizer', render(r.normalizer)],
    ['pre_tokenizer', render(r.preTokenizer)],
    ['post_processor', render(r.postProcessor)],
    ['decoder', render(r.decoder)],
    ['vocab size', String(r.vocabSize)],
    ['ids engine', r.idsEngine],
    ['added tokens', `${r.addedTokens.count}, ${Object.keys(r.addedTokens.special).length} special`],
    ['special tokens', tokenList(Object.entries(r.addedTokens.special))],
    ['named special', tokenList(namedSpecial(r.specialTokens))],
    ['chat template', chatTemplates(r.chatTemplate.names)],
    ['model_max_length', maxLength(r.modelMaxLength)],
    ['truncation', r.truncation === null ? 'none' : JSON.stringify(r.truncation)],
    ['padding', r.padding === null ? 'none' : JSON.stringify(r.padding)],
  ];
}

export function render(c: Component | null): string {
  if (c === null) return 'none';
  return c.children ? `${c.type}[${c.children.map(render).join(', ')}]` : c.type;
}

function chatTemplates(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  return names.length === 1 && names[0] === 'default' ? 'yes (default)' : `named: ${names.join(', ')}`;
}

function namedSpecial(s: SpecialTokens): [string, number][] {
  const named = (['bos', 'eos', 'unk', 'pad', 'sep', 'cls', 'mask'] as const).flatMap((k): [string, number][] =>
    s[k] ? [[`${k}=${s[k].content}`, s[k].id]] : [],
  );
  return [...named, ...s.additional.map((t): [string, number] => [`additional=${t.content}`, t.id])];
}

function tokenList(entries: readonly [string, number][]): string {
  if (entries.length === 0) return 'none';
  const shown = entries
    .slice(0, SHOWN_TOKENS)
    .map(([content, id]) => `${escapeControls(content)} (${id})`)
    .join(', ');
  const more = entries.length - SHOWN_TOKENS;
  return more > 0 ? `${shown}, … ${more} more (--json lists all)` : shown;
}

function maxLength(n: number | null): string {
  if (n === null) return 'not set';
  return n >= 2 ** 32 ? `${n} (no limit)` : String(n);
}
