/**
 * tokenizer_config.json and special_tokens_map.json: what transformers keeps beside
 * tokenizer.json (named special tokens, model_max_length, chat_template). Both are optional.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TokenizerError } from './errors';

export type TokenizerConfig = Readonly<Record<string, unknown>>;

export interface SpecialTokenRef {
  content: string;
  id: number;
}

/** The named special tokens, each with its id; a name the config does not set is absent. */
export interface SpecialTokens {
  bos?: SpecialTokenRef;
  eos?: SpecialTokenRef;
  unk?: SpecialTokenRef;
  pad?: SpecialTokenRef;
  sep?: SpecialTokenRef;
  cls?: SpecialTokenRef;
  mask?: SpecialTokenRef;
  /** `additional_special_tokens`. */
  additional: SpecialTokenRef[];
}

const NAMES = ['bos', 'eos', 'unk', 'pad', 'sep', 'cls', 'mask'] as const;

export interface ConfigFiles {
  config: TokenizerConfig | null;
  specialTokensMap: TokenizerConfig | null;
  /**
   * Chat templates saved as files, which transformers prefers over `chat_template` in
   * tokenizer_config.json: `chat_template.jinja` (or `chat_template.json`) as "default",
   * and `additional_chat_templates/<name>.jinja` by name.
   */
  chatTemplateFiles?: Readonly<Record<string, string>> | null;
}

/** Reads the config files of a model folder (or of the folder of a `tokenizer.json` path). */
export function readConfigFiles(path: string): ConfigFiles {
  const dir = folderOf(path);
  if (dir === null) return { config: null, specialTokensMap: null };
  return {
    config: readJsonIfPresent(join(dir, 'tokenizer_config.json')),
    specialTokensMap: readJsonIfPresent(join(dir, 'special_tokens_map.json')),
    chatTemplateFiles: readChatTemplateFiles(dir),
  };
}

function readChatTemplateFiles(dir: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  const jinja = join(dir, 'chat_template.jinja');
  if (existsSync(jinja)) {
    out.default = readFileSync(jinja, 'utf8');
  } else {
    const json = readJsonIfPresent(join(dir, 'chat_template.json'));
    if (typeof json?.chat_template === 'string') out.default = json.chat_template;
  }
  const extra = join(dir, 'additional_chat_templates');
  if (existsSync(extra) && statSync(extra).isDirectory()) {
    for (const f of readdirSync(extra)) {
      if (f.endsWith('.jinja')) out[f.slice(0, -'.jinja'.length)] = readFileSync(join(extra, f), 'utf8');
    }
  }
  return Object.keys(out).length > 0 ? out : null;
}

function folderOf(path: string): string | null {
  try {
    if (statSync(path).isDirectory()) return path;
  } catch {
    return null; // the engine reports the missing path with its own code
  }
  return basename(path) === 'tokenizer.json' ? dirname(path) : null;
}

function readJsonIfPresent(file: string): TokenizerConfig | null {
  if (!existsSync(file)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new TokenizerError('INVALID_JSON', `${file} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenizerError('INVALID_JSON', `${file} must hold a JSON object`);
  }
  return value as TokenizerConfig;
}

/** A token as configs spell it: a string, or an AddedToken object with `content`. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

export function specialTokensOf(files: ConfigFiles, tokenToId: (t: string) => number | undefined): SpecialTokens {
  const lookup = (key: string): unknown => files.config?.[key] ?? files.specialTokensMap?.[key];
  const ref = (value: unknown): SpecialTokenRef | undefined => {
    const content = tokenContent(value);
    const id = content === undefined ? undefined : tokenToId(content);
    return content !== undefined && id !== undefined ? { content, id } : undefined;
  };
  const out: SpecialTokens = { additional: [] };
  for (const name of NAMES) {
    const r = ref(lookup(`${name}_token`));
    if (r) out[name] = r;
  }
  const additional = lookup('additional_special_tokens');
  if (Array.isArray(additional)) {
    for (const a of additional) {
      const r = ref(a);
      if (r) out.additional.push(r);
    }
  }
  return out;
}

const CLASS_DEFAULT_TOKENS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  GemmaTokenizer: { mask_token: '<mask>' },
};

/**
 * The special tokens transformers passes to chat templates (`special_tokens_map`): each named
 * token the config sets (bos_token … mask_token) and the model's `extra_special_tokens`
 * (Gemma 3's boi_token, …), as strings. `additional_special_tokens` is not passed.
 */
export function templateSpecialTokensOf(files: ConfigFiles): Record<string, string> {
  const lookup = (key: string): unknown => files.config?.[key] ?? files.specialTokensMap?.[key];
  const out: Record<string, string> = {};
  for (const name of NAMES) {
    const content = tokenContent(lookup(`${name}_token`));
    if (content !== undefined) out[`${name}_token`] = content;
  }
  // A tokenizer class's own defaults fill names its config leaves out (transformers builds the
  // map from the class's __init__ defaults). Only the ones verified against transformers.
  const classDefaults = CLASS_DEFAULT_TOKENS[String(files.config?.tokenizer_class)] ?? {};
  for (const [key, value] of Object.entries(classDefaults)) {
    if (!(key in out) && lookup(key) === undefined) out[key] = value;
  }
  const extra = files.config?.extra_special_tokens;
  if (extra && typeof extra === 'object' && !Array.isArray(extra)) {
    for (const [key, value] of Object.entries(extra)) {
      const content = tokenContent(value);
      if (content !== undefined) out[key] = content;
    }
  }
  return out;
}

/** transformers writes 1e30 for "no limit"; only a real limit is a usable default. */
export function modelMaxLengthOf(config: TokenizerConfig | null): number | undefined {
  const v = config?.model_max_length;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 2 ** 32 ? v : undefined;
}
