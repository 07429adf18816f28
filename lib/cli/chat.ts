/** `ferrotok chat`: chat messages (JSON) → the prompt the model sees, through the chat template. */
import { existsSync } from 'node:fs';
import type { ChatMessage, ChatTemplateOptions } from '../chat';
import type { Encoding } from '../encoding';
import { invalidArgument, TokenizerError } from '../errors';
import type { Tokenizer } from '../tokenizer';
import { COMMON_HELP, type Command } from './command';
import { type Context, readText } from './context';

export const chat: Command = {
  name: 'chat',
  summary: 'render chat messages (JSON) through the chat template',
  options: ['file', 'ids', 'generation-prompt', 'continue', 'template', 'var'],
  help: `Usage: ferrotok chat [options] [JSON...]

Renders chat messages through the tokenizer's chat template, as transformers'
apply_chat_template does, and prints the prompt. JSON (the arguments joined by a space,
or stdin when none are given or JSON is "-", or the file given with --file) is an array
of messages, or an object like an OpenAI-style request body:
  {"messages": [...], "tools": [...], "documents": [...], ...}
whose other keys are template variables ("chat_template_kwargs", as vLLM takes it, is
spread into them). Malformed JSON is an INVALID_ARGUMENT error: exit code 1.

The prompt is written exactly as rendered, with no newline added (it usually ends with
its own): "> prompt.txt" holds the very prompt, and "| ferrotok count --keep-newline"
counts its tokens (count drops the final newline of stdin without it).
--ids and --json output ends with a newline.

Options:
  --generation-prompt
                     append the header that starts the assistant's reply
  --continue         leave the final message open, for the model to continue it
  --template NAME|FILE
                     one of the tokenizer's named templates (ferrotok inspect lists
                     them), else a file holding a Jinja chat template
  --var KEY=VALUE    set a template variable (repeatable; wins over the input's). VALUE
                     is read as JSON when it parses (false, 3, "x", [...]), else as text
  --ids              print the token ids of the prompt, space-separated (with --json:
                     a JSON array)
  --json             print {"text", "ids", "tokens", "count"}
  --file PATH        read the JSON from PATH
${COMMON_HELP}

Example:
  ferrotok chat --tokenizer Qwen/Qwen3-0.6B --generation-prompt \\
      --var enable_thinking=false '[{"role": "user", "content": "Hi!"}]'
`,
  async run(ctx) {
    const input = ctx.input();
    const variables = cliVariables(ctx);
    if (ctx.flag('generation-prompt') && ctx.flag('continue')) {
      throw ctx.usageError(
        '--generation-prompt and --continue cannot be combined: one starts a new reply, the other continues the final message',
      );
    }
    const tok = await ctx.tokenizer();
    const request = parseRequest(await input());
    // `tools` and `documents` are options of their own; every other key is a template variable.
    const { tools, documents, ...templateVars } = { ...request.variables, ...variables };
    const options: ChatTemplateOptions = {
      templateVars,
      addGenerationPrompt: ctx.flag('generation-prompt'),
      continueFinalMessage: ctx.flag('continue'),
      // One clock for both renders below, so --json's text and ids always agree.
      now: Date.now(),
    };
    if (tools !== undefined) options.tools = tools as unknown[] | null;
    if (documents !== undefined) options.documents = documents as unknown[] | null;
    const template = await templateOf(ctx, tok);
    if (template !== undefined) options.chatTemplate = template;
    const messages = request.messages;
    const templateGiven = ctx.option('template') !== undefined;
    const text = (): string => withCliHint(() => tok.applyChatTemplate(messages, { ...options, tokenize: false }), templateGiven);
    const encoding = (): Encoding => withCliHint(() => tok.applyChatTemplate(messages, { ...options, tokenize: true }), templateGiven);
    if (ctx.flag('ids')) {
      const ids = Array.from(encoding().ids);
      ctx.print(ctx.flag('json') ? JSON.stringify(ids) : ids.join(' '));
    } else if (ctx.flag('json')) {
      const enc = encoding();
      ctx.print(JSON.stringify({ text: text(), ids: Array.from(enc.ids), tokens: enc.tokens, count: enc.length }));
    } else {
      ctx.write(text());
    }
  },
};

/**
 * Keys of the library's options object, not template variables: a --var or an input key of
 * that name would change what the call does (`tokenize` its return type), so it is refused.
 * `tools` and `documents` are both, and pass through.
 */
const RESERVED = new Set(['messages', 'addGenerationPrompt', 'continueFinalMessage', 'chatTemplate', 'tokenize', 'now']);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--var key=value`, checked before the tokenizer loads: a bad one is a usage error. */
function cliVariables(ctx: Context): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of ctx.options('var')) {
    const eq = spec.indexOf('=');
    const key = eq < 0 ? spec : spec.slice(0, eq);
    if (eq < 0 || !IDENTIFIER.test(key)) throw ctx.usageError(`--var takes KEY=VALUE with KEY a variable name, got '${spec}'`);
    if (RESERVED.has(key)) throw ctx.usageError(`--var ${key} is not a template variable (${flagFor(key)})`);
    out[key] = jsonOrText(spec.slice(eq + 1));
  }
  return out;
}

function flagFor(key: string): string {
  const flags: Record<string, string> = {
    messages: 'give the messages as JSON input',
    addGenerationPrompt: 'use --generation-prompt',
    continueFinalMessage: 'use --continue',
    chatTemplate: 'use --template',
    tokenize: 'use --ids',
  };
  return flags[key] ?? 'ferrotok reserves it';
}

function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

interface ChatRequest {
  messages: ChatMessage[];
  /** `tools`, `documents` and the template variables, all as options of applyChatTemplate. */
  variables: Record<string, unknown>;
}

/**
 * The input document. Malformed input is a TokenizerError (INVALID_ARGUMENT, exit 1), not a
 * usage error, as in `decode`: the command line was well formed, the data was not — and
 * JSON from stdin or a file has no command-line syntax to misuse. The message checks
 * (roles, content) are the library's, with the same code.
 */
function parseRequest(raw: string): ChatRequest {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw invalidArgument(`the chat input is not valid JSON: ${(e as Error).message}`);
  }
  if (Array.isArray(value)) return { messages: value as ChatMessage[], variables: {} };
  if (value === null || typeof value !== 'object' || !Array.isArray((value as { messages?: unknown }).messages)) {
    throw invalidArgument('the chat input must be a JSON array of messages, or an object with a "messages" array');
  }
  const { messages, chat_template_kwargs: kwargs, ...rest } = value as Record<string, unknown>;
  if (kwargs !== undefined && (kwargs === null || typeof kwargs !== 'object' || Array.isArray(kwargs))) {
    throw invalidArgument('"chat_template_kwargs" must be an object of template variables');
  }
  const variables = { ...rest, ...(kwargs as Record<string, unknown> | undefined) };
  for (const key of Object.keys(variables)) {
    if (RESERVED.has(key)) throw invalidArgument(`the chat input's "${key}" is not a template variable (${flagFor(key)})`);
  }
  for (const key of ['tools', 'documents']) {
    const v = variables[key];
    if (v !== undefined && v !== null && !Array.isArray(v)) throw invalidArgument(`the chat input's "${key}" must be an array`);
  }
  return { messages: messages as ChatMessage[], variables };
}

/**
 * --template: one of the tokenizer's template names (a name wins over a file of the same
 * name; write ./NAME for the file), else a file's content as template source.
 */
async function templateOf(ctx: Context, tok: Tokenizer): Promise<string | undefined> {
  const t = ctx.option('template');
  if (t === undefined) return undefined;
  const names = tok.chatTemplates;
  // A tokenizer with one unnamed template calls it "default" but takes any string in
  // chatTemplate as template source; leaving it out selects that template.
  if (names.includes(t)) return names.length === 1 && t === 'default' ? undefined : t;
  if (existsSync(t) || /[/\\.]/.test(t)) return readText(t, '--template');
  const has = names.length === 0 ? 'it has none' : `it has ${names.join(', ')}`;
  throw new TokenizerError('CHAT_TEMPLATE_INVALID', `no chat template named '${t}' (${has}), and no such file`);
}

/** The library's advice names its option; on the command line that is --template. */
function withCliHint<T>(f: () => T, templateGiven: boolean): T {
  try {
    return f();
  } catch (e) {
    if (templateGiven || !(e instanceof TokenizerError) || e.code !== 'CHAT_TEMPLATE_INVALID') throw e;
    throw new TokenizerError(e.code, e.message.replace('options.chatTemplate', '--template NAME|FILE'), { cause: e });
  }
}
