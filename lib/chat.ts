/**
 * Chat templates: `tok.applyChatTemplate(messages, options)` renders the Jinja
 * `chat_template` exactly as Python transformers' `apply_chat_template` (5.x) does.
 *
 * Rendering runs in Rust (native/src/chat/: minijinja with Python-compatible methods, `tojson`,
 * `raise_exception`, `strftime_now`, sandboxed and fuel-bounded). This file does what
 * transformers does around the render, in the same order: pick the template (named templates,
 * `tool_use` when tools are given), normalise messages (drop keys whose value is null, alias
 * reasoning fields), build the variables (special tokens, then caller variables), and cut
 * the output for `continueFinalMessage`. test/chat.test.ts checks all of it against goldens
 * from transformers (test/goldens/chat/).
 */
import { type ConfigFiles, templateSpecialTokensOf } from './config';
import { callNative, invalidArgument, TokenizerError } from './errors';
import { native, type NativeChatTemplatesType } from './native';
import { checkObject, checkOptions, optionKeys } from './check-options';
import { describe } from './describe';

/** A chat message. Fields other than `role` and `content` (tool_calls, reasoning_content,
 * …) reach the template as they are. */
export interface ChatMessage {
  role: string;
  /** Text, a list of parts, or (a tool result) an object the template prints. */
  content?: string | readonly ChatContentPart[] | Readonly<Record<string, unknown>> | null;
  [field: string]: unknown;
}

export interface ChatContentPart {
  type: string;
  text?: string;
  [field: string]: unknown;
}

export interface ChatTemplateOptions {
  /** Append the header that starts the assistant's turn. Default false. */
  addGenerationPrompt?: boolean;
  /**
   * Leave the final message open so the model continues it (no end-of-turn after it). `true`
   * continues `content`; a string names the field (e.g. `'reasoning_content'`). Cannot be
   * combined with `addGenerationPrompt`.
   */
  continueFinalMessage?: boolean | string;
  /** Tool (function) definitions, as JSON schemas. Passing any (even `[]`) selects a
   * `tool_use` template when the tokenizer has named templates. */
  tools?: readonly unknown[] | null;
  /** Documents for retrieval-augmented templates. */
  documents?: readonly unknown[] | null;
  /** A template name (when the tokenizer has named templates) or a template source. */
  chatTemplate?: string;
  /** Return an Encoding of the rendered text instead of the text. Default false. */
  tokenize?: boolean;
  /** The clock `strftime_now` reads. Default: now. */
  now?: Date | number;
  /**
   * Template variables, passed to the template as they are: `{ enable_thinking: false }`,
   * `date_string`, `reasoning_effort`, … (transformers' extra keyword arguments; they
   * override the special-token variables, as there). A field of their own, so that every
   * other key of these options can be checked: a misspelt option is an error, not a variable.
   */
  templateVars?: Readonly<Record<string, unknown>>;
}

export const CHAT_OPTION_KEYS = optionKeys<ChatTemplateOptions>({
  addGenerationPrompt: true,
  continueFinalMessage: true,
  tools: true,
  documents: true,
  chatTemplate: true,
  tokenize: true,
  now: true,
  templateVars: true,
});
const REASONING_FIELDS = ['reasoning_content', 'thinking', 'reasoning'] as const;
const CONTINUE_TAG = 'CONTINUE_FINAL_MESSAGE_TAG ';
const MAX_ADHOC_TEMPLATES = 16;

/** The chat templates of one tokenizer, compiled on first use. */
export class ChatTemplates {
  /** name → source; `named` when the config holds a list of named templates. */
  readonly #sources: ReadonlyMap<string, string>;
  readonly #named: boolean;
  readonly #specialTokens: Record<string, string>;
  #compiled?: NativeChatTemplatesType;
  /** Templates passed as source in `options.chatTemplate`, by source. */
  readonly #adhoc = new Map<string, NativeChatTemplatesType>();

  constructor(files: ConfigFiles) {
    const [sources, named] = templateSources(files);
    this.#sources = sources;
    this.#named = named;
    this.#specialTokens = templateSpecialTokensOf(files);
  }

  /** Names of the tokenizer's templates ("default" for a single one); empty when none. */
  get names(): string[] {
    return [...this.#sources.keys()];
  }

  render(messages: readonly ChatMessage[], options: ChatTemplateOptions | undefined): string {
    const o = checkChatOptions(options);
    const { native, name, source } = this.#select(o);
    const chat = normalizeMessages(messages);
    const continueField = continueFieldOf(o, chat, source);
    const context = {
      messages: chat,
      tools: o.tools ?? null,
      documents: o.documents ?? null,
      add_generation_prompt: o.addGenerationPrompt === true,
      ...this.#specialTokens,
      ...o.templateVars,
    };
    const json = contextJson(context);
    const rendered = callNative(() => native.render(name, json, nowOf(o.now)));
    return continueField === null ? rendered : cutAtContinueTag(rendered, continueField.final);
  }

  #select(o: ChatTemplateOptions): { native: NativeChatTemplatesType; name: string; source: string } {
    const requested = o.chatTemplate;
    if (requested !== undefined && typeof requested !== 'string') {
      throw invalidArgument(`options.chatTemplate must be a template name or source, got ${describe(requested)}`);
    }
    let name: string | undefined;
    if (requested !== undefined && this.#named && this.#sources.has(requested)) name = requested;
    else if (requested !== undefined) return { native: this.#adhocTemplate(requested), name: 'default', source: requested };
    else if (this.#named && o.tools != null && this.#sources.has('tool_use')) name = 'tool_use';
    else if (this.#sources.has('default')) name = 'default';
    if (name === undefined) throw this.#missing();
    this.#compiled ??= compile(this.#sources);
    return { native: this.#compiled, name, source: this.#sources.get(name)! };
  }

  #adhocTemplate(source: string): NativeChatTemplatesType {
    let t = this.#adhoc.get(source);
    if (t === undefined) {
      t = compile(new Map([['default', source]]));
      if (this.#adhoc.size >= MAX_ADHOC_TEMPLATES) this.#adhoc.delete(this.#adhoc.keys().next().value!);
      this.#adhoc.set(source, t);
    }
    return t;
  }

  #missing(): TokenizerError {
    if (this.#sources.size === 0) {
      return new TokenizerError(
        'CHAT_TEMPLATE_INVALID',
        'this tokenizer has no chat_template (tokenizer_config.json or chat_template.jinja); pass one as options.chatTemplate',
      );
    }
    return new TokenizerError(
      'CHAT_TEMPLATE_INVALID',
      `this tokenizer has several chat templates and none is named "default"; pass options.chatTemplate, one of ${JSON.stringify([...this.#sources.keys()].sort())}`,
    );
  }
}

function compile(sources: ReadonlyMap<string, string>): NativeChatTemplatesType {
  return callNative(() => native().NativeChatTemplates.compile([...sources.keys()], [...sources.values()]));
}

/** Template files win over tokenizer_config.json, as in transformers. */
function templateSources(files: ConfigFiles): [Map<string, string>, boolean] {
  const fromFiles = files.chatTemplateFiles;
  if (fromFiles) {
    const names = Object.keys(fromFiles);
    return [new Map(Object.entries(fromFiles)), names.length > 1 || names[0] !== 'default'];
  }
  const t = files.config?.chat_template;
  if (typeof t === 'string') return [new Map([['default', t]]), false];
  if (Array.isArray(t)) {
    const out = new Map<string, string>();
    for (const entry of t as unknown[]) {
      const e = entry as { name?: unknown; template?: unknown } | null;
      if (typeof e?.name === 'string' && typeof e.template === 'string') out.set(e.name, e.template);
    }
    return [out, true];
  }
  return [new Map(), false];
}

/** transformers' `_normalize_chat_messages` + `_alias_reasoning_fields`: top-level keys whose
 * value is null are dropped (a template then sees them undefined), and a message with
 * reasoning gets it under both `thinking` (first) and `reasoning_content`. */
function normalizeMessages(messages: readonly ChatMessage[]): Record<string, unknown>[] {
  if (!Array.isArray(messages)) throw invalidArgument(`messages must be an array of chat messages, got ${describe(messages)}`);
  if (messages.length === 0) throw invalidArgument('messages is empty: a chat template needs at least one message');
  return messages.map((m: unknown, i) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) {
      throw invalidArgument(`messages[${i}] must be an object with a role, got ${describe(m)}`);
    }
    checkMessage(m as Record<string, unknown>, i);
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(m)) if (v !== null && v !== undefined) kept[k] = v;
    const field = REASONING_FIELDS.find((f) => kept[f] !== undefined);
    if (field === undefined) return kept;
    const reasoning = kept[field];
    return { thinking: reasoning, ...kept, reasoning_content: reasoning };
  });
}

/** Tags the final message's field for `continueFinalMessage` (transformers 5's approach: a
 * marker rendered with the content shows where the content ends). */
function continueFieldOf(o: ChatTemplateOptions, chat: Record<string, unknown>[], source: string): { final: string } | null {
  const c = o.continueFinalMessage;
  if (c === undefined || c === false) return null;
  if (c !== true && typeof c !== 'string') {
    throw invalidArgument(`options.continueFinalMessage must be a boolean or a field name, got ${describe(c)}`);
  }
  if (o.addGenerationPrompt === true) {
    throw invalidArgument(
      'continueFinalMessage and addGenerationPrompt cannot be combined: the first leaves the final message open, the second starts a new one',
    );
  }
  const field = c === true ? 'content' : c;
  const last = chat[chat.length - 1]!;
  const final = last[field];
  if (final === undefined) throw invalidArgument(`continueFinalMessage is set but the final message has no "${field}" to continue`);
  const fields = (REASONING_FIELDS as readonly string[]).includes(field) ? REASONING_FIELDS.filter((f) => last[f] === final) : [field];
  if (!fields.some((f) => source.includes(f))) {
    throw invalidArgument(`continueFinalMessage is set to "${field}" but the chat template never reads that field`);
  }
  if (Array.isArray(final)) {
    const parts = final.map((p: unknown) => (p && typeof p === 'object' ? { ...(p as object) } : p)) as Record<string, unknown>[];
    const at = parts.findLastIndex((p) => p !== null && typeof p === 'object' && 'text' in p);
    if (at < 0) throw invalidArgument('continueFinalMessage is set but the final message has no text part to continue');
    const text = String(parts[at]!.text);
    parts[at]!.text = text + CONTINUE_TAG;
    last[field] = parts;
    return { final: text };
  }
  if (typeof final !== 'string')
    throw invalidArgument(`continueFinalMessage: the final message's "${field}" must be a string or a list of parts`);
  for (const f of fields) last[f] = final + CONTINUE_TAG;
  return { final };
}

function cutAtContinueTag(rendered: string, final: string): string {
  const tag = CONTINUE_TAG.trim();
  if (!rendered.includes(pyStrip(final)) || !rendered.includes(tag)) {
    throw new TokenizerError(
      'CHAT_TEMPLATE_ERROR',
      'continueFinalMessage is set but the final message does not appear in the rendered chat: the template drops part of it',
    );
  }
  const at = rendered.lastIndexOf(tag);
  return rendered.startsWith(CONTINUE_TAG, at) ? rendered.slice(0, at) : pyRstrip(rendered.slice(0, at));
}

/** Python's str.isspace set (JS trim lacks U+001C–U+001F and U+0085). */
const PY_SPACE = '[\\s\\u001c-\\u001f\\u0085]';
const pyRstrip = (s: string): string => s.replace(new RegExp(`${PY_SPACE}+$`, 'u'), '');
const pyStrip = (s: string): string => pyRstrip(s).replace(new RegExp(`^${PY_SPACE}+`, 'u'), '');

/** The options' keys and the types of the ones read here (the others are checked where
 * they are used: chatTemplate, continueFinalMessage, now). */
function checkChatOptions(options: ChatTemplateOptions | undefined): ChatTemplateOptions {
  checkOptions(options, CHAT_OPTION_KEYS);
  const o = options ?? {};
  for (const key of ['addGenerationPrompt', 'tokenize'] as const) {
    const v = o[key];
    if (v !== undefined && typeof v !== 'boolean') throw invalidArgument(`options.${key} must be a boolean, got ${describe(v)}`);
  }
  for (const key of ['tools', 'documents'] as const) {
    const v = o[key];
    if (v != null && !Array.isArray(v)) throw invalidArgument(`options.${key} must be an array (or null), got ${describe(v)}`);
  }
  if (o.templateVars !== undefined) checkObject(o.templateVars, 'options.templateVars');
  return o;
}

/**
 * A message's role is a string; its content a string, null, a list of parts
 * (`{ type: 'text', text }`, `{ type: 'image' }`, …) — the shapes transformers documents — or
 * a plain object (a tool result; Llama 3.1's template prints one with `tojson`). Anything else
 * (a number, a function, a Symbol) is a caller's bug that JSON would drop or a template would
 * print as garbage, so it is refused here, naming the field.
 */
function checkMessage(m: Record<string, unknown>, i: number): void {
  if (typeof m.role !== 'string') throw invalidArgument(`messages[${i}].role must be a string, got ${describe(m.role)}`);
  const content = m.content;
  if (content === undefined || content === null || typeof content === 'string') return;
  if (!Array.isArray(content) && typeof content === 'object' && isPlainObject(content)) return;
  if (!Array.isArray(content)) {
    throw invalidArgument(`messages[${i}].content must be a string or an array of { type, ... } parts, got ${describe(content)}`);
  }
  content.forEach((part: unknown, j) => {
    const where = `messages[${i}].content[${j}]`;
    checkObject(part, where);
    const p = part as Record<string, unknown>;
    if (typeof p.type !== 'string') throw invalidArgument(`${where}.type must be a string, got ${describe(p.type)}`);
    if (p.text !== undefined && typeof p.text !== 'string')
      throw invalidArgument(`${where}.text must be a string, got ${describe(p.text)}`);
  });
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The render context as JSON. What JSON cannot hold (BigInt, a cycle, nesting deeper than
 * the stack) is the caller's data, so an INVALID_ARGUMENT, not a crash or an INTERNAL. */
function contextJson(context: Record<string, unknown>): string {
  try {
    return JSON.stringify(context);
  } catch (e) {
    const why = e instanceof RangeError ? 'it is nested too deeply' : (e as Error).message;
    throw invalidArgument(`the messages, tools, documents and templateVars must be plain JSON data: ${why}`);
  }
}

function nowOf(now: Date | number | undefined): number | undefined {
  if (now === undefined) return undefined;
  const ms = now instanceof Date ? now.getTime() : now;
  if (typeof ms !== 'number' || !Number.isFinite(ms))
    throw invalidArgument(`options.now must be a valid Date or epoch milliseconds, got ${describe(now)}`);
  return ms;
}
