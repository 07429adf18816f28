/**
 * Command-line parsing on `node:util` parseArgs. One option table serves every command, so a
 * flag means the same thing wherever it appears; each command then lists the flags it accepts.
 */
import { parseArgs } from 'node:util';

/** Bad command-line syntax: exit code 2, with a pointer to `--help`. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  tokenizer: { type: 'string' },
  json: { type: 'boolean' },
  file: { type: 'string' },
  ids: { type: 'boolean' },
  'no-special': { type: 'boolean' },
  'skip-special': { type: 'boolean' },
  pair: { type: 'string' },
  'max-length': { type: 'string' },
  lines: { type: 'boolean' },
  'keep-newline': { type: 'boolean' },
  'generation-prompt': { type: 'boolean' },
  continue: { type: 'boolean' },
  template: { type: 'string' },
  var: { type: 'string', multiple: true },
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  field: { type: 'string' },
  split: { type: 'string' },
  'input-format': { type: 'string' },
  'add-special-tokens': { type: 'boolean' },
  'append-eos': { type: 'boolean' },
  'prepend-bos': { type: 'boolean' },
  'eos-token': { type: 'string' },
  'bos-token': { type: 'string' },
  threads: { type: 'string' },
  'shard-size': { type: 'string' },
  prefix: { type: 'string' },
  'on-error': { type: 'string' },
  merge: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  progress: { type: 'string' },
  queue: { type: 'string' },
  'queue-name': { type: 'string' },
  concurrency: { type: 'string' },
  'lock-duration': { type: 'string' },
} as const;

export type OptionName = keyof typeof OPTIONS;
type OptionsLike<T> = { [K in OptionName]: (typeof OPTIONS)[K] extends T ? K : never }[OptionName];
export type BooleanOption = OptionsLike<{ type: 'boolean' }>;
/** Repeatable: `--var a=1 --var b=2` gives every value, in order. */
export type ListOption = OptionsLike<{ type: 'string'; multiple: true }>;
/** Given once; given twice, the last one wins (as parseArgs does). */
export type StringOption = Exclude<OptionsLike<{ type: 'string' }>, ListOption>;

/** Accepted by every command (and with none). */
export const GLOBAL_OPTIONS: readonly OptionName[] = ['help', 'version', 'tokenizer', 'json'];

export interface Invocation {
  /** The first positional, if any. */
  command: string | undefined;
  /** The positionals after the command. */
  args: string[];
  values: { [K in BooleanOption]?: boolean } & { [K in StringOption]?: string } & { [K in ListOption]?: string[] };
  /** Options as spelled on the command line, to name them in errors. */
  used: { name: string; rawName: string }[];
}

export function parseArgv(argv: readonly string[]): Invocation {
  const { values, positionals, tokens } = parseStrict(argv);
  const used = tokens.flatMap((t) => (t.kind === 'option' ? [{ name: t.name, rawName: t.rawName }] : []));
  return { command: positionals[0], args: positionals.slice(1), values, used };
}

function parseStrict(argv: readonly string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes and messages fit for users.
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError((e as Error).message);
    throw e;
  }
}

/** Rejects options the command does not take (parseArgs only knows the union of all). */
export function checkOptions(inv: Invocation, command: string, allowed: readonly OptionName[]): void {
  for (const { name, rawName } of inv.used) {
    if (!GLOBAL_OPTIONS.includes(name as OptionName) && !allowed.includes(name as OptionName)) {
      throw new UsageError(`'${command}' does not take ${rawName}`, command);
    }
  }
}

/** A count on the command line: a plain decimal integer from 1 to 2^32 - 1. */
export function positiveInt(value: string, flag: string, command: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 0xffff_ffff)) {
    throw new UsageError(`${flag} takes a whole number from 1 to 4294967295, got '${value}'`, command);
  }
  return n;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1 << 20,
  g: 1e9,
  gb: 1e9,
  gib: 1 << 30,
  t: 1e12,
  tb: 1e12,
  tib: 2 ** 40,
};

/** A size such as `512MB`, `1GiB` or `1000000` (bytes), to a whole number of bytes. */
export function byteSize(value: string, flag: string, command: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)$/.exec(value.trim());
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Math.round(Number(m[1]) * unit) : NaN;
  if (!(n >= 1 && Number.isSafeInteger(n))) {
    throw new UsageError(`${flag} takes a size such as 512MB, 1GiB or a number of bytes, got '${value}'`, command);
  }
  return n;
}

/** A flag whose value is one of a few words. */
export function choice<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, command: string): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} takes ${allowed.join(', ')}, got '${value}'`, command);
}
