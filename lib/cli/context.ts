/**
 * What a command gets: its arguments, its flags, the I/O, and the two things every command
 * needs in the same way — the tokenizer named by --tokenizer (a path or a Hub repo id), and
 * input text from the arguments, stdin or --file.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TokenizerError } from '../errors';
import { Tokenizer } from '../tokenizer';
import { type BooleanOption, type Invocation, type ListOption, type StringOption, UsageError } from './args';
import { type CliIO, readAll } from './io';

/** dist/cjs/cli/context.js → the package root, which ships models/default. */
export const DEFAULT_TOKENIZER = path.join(__dirname, '..', '..', '..', 'models', 'default');

/** Lines printed between waits for stdout: a few pipe buffers' worth. */
const LINES_PER_DRAIN = 1024;

/** Where the tokenizer comes from: a file or folder, or a Hugging Face Hub repo. */
export type TokenizerSource = { kind: 'path'; path: string } | { kind: 'hub'; repoId: string; revision: string | undefined };

// `org/name` or `org/name@revision` (a revision may hold slashes: `refs/pr/1`). The shape
// only; lib/hub/validate.ts checks the characters. Names never start with '.' or '~', and
// one ending in .json is a mistyped file, so those stay paths (and FILE_NOT_FOUND).
const REPO_ID = /^([^\s/@\\.~][^\s/@\\]*\/[^\s/@\\]+)(?:@(.+))?$/;

export class Context {
  readonly #inv: Invocation;

  constructor(
    readonly io: CliIO,
    readonly command: string,
    inv: Invocation,
  ) {
    this.#inv = inv;
  }

  /** The positionals after the command. */
  get args(): readonly string[] {
    return this.#inv.args;
  }

  flag(name: BooleanOption): boolean {
    return this.#inv.values[name] === true;
  }

  option(name: StringOption): string | undefined {
    return this.#inv.values[name];
  }

  /** Every value of a repeatable option, in command-line order. */
  options(name: ListOption): readonly string[] {
    return this.#inv.values[name] ?? [];
  }

  /** Writes one line to stdout. */
  print(line: string): void {
    this.io.stdout(`${line}\n`);
  }

  /** Writes `text` to stdout as it is, adding no newline. */
  write(text: string): void {
    this.io.stdout(text);
  }

  /** Prints each line, pausing every so often until stdout has room (see `CliIO.drain`). */
  async printAll(lines: Iterable<string>): Promise<void> {
    let n = 0;
    for (const line of lines) {
      this.print(line);
      if (++n % LINES_PER_DRAIN === 0) await this.io.drain?.();
    }
  }

  usageError(message: string): UsageError {
    return new UsageError(message, this.command);
  }

  /**
   * What --tokenizer names: an existing file or folder; else, if it looks like `org/name`
   * (optionally `@revision`), a Hub repo; else a path, which then fails as FILE_NOT_FOUND.
   * A folder named like a repo id wins, so `./org/name` is never sent to the Hub.
   */
  get tokenizerSource(): TokenizerSource {
    const arg = this.option('tokenizer');
    if (arg === undefined) return { kind: 'path', path: DEFAULT_TOKENIZER };
    const resolved = path.resolve(arg);
    const repo = existsSync(resolved) || arg.endsWith('.json') ? null : REPO_ID.exec(arg);
    return repo ? { kind: 'hub', repoId: repo[1]!, revision: repo[2] } : { kind: 'path', path: resolved };
  }

  /** Loads the tokenizer: the slow step, so commands check their usage first. */
  async tokenizer(): Promise<Tokenizer> {
    const source = this.tokenizerSource;
    if (source.kind === 'path') return Tokenizer.fromFile(source.path);
    try {
      return await Tokenizer.fromPretrained(source.repoId, source.revision === undefined ? {} : { revision: source.revision });
    } catch (e) {
      // Same code (HUB_NOT_FOUND, HUB_UNAUTHORIZED, NETWORK_ERROR, ...); the note says why a
      // mistyped local folder ended up on the Hub.
      if (!(e instanceof TokenizerError)) throw e;
      const note = `(--tokenizer ${this.option('tokenizer')}: no such file or folder here, so it was taken as a Hugging Face repo id)`;
      throw new TokenizerError(e.code, `${e.message} ${note}`, { cause: e });
    }
  }

  /**
   * The input: the arguments joined by a space, else --file, else stdin (also for a lone
   * `-`). Sources are checked now, so a usage error comes before the slow tokenizer load;
   * the text is read when the returned function is called. Files are taken byte-exact;
   * stdin too, unless `dropFinalNewline`: then the one `\n` or `\r\n` that `echo` or a
   * here-string adds goes, so `echo "a b" | ferrotok count` agrees with `ferrotok count a b`.
   */
  input({ dropFinalNewline = false }: { dropFinalNewline?: boolean } = {}): () => Promise<string> {
    const file = this.option('file');
    if (file !== undefined && this.args.length > 0) throw this.usageError('give the input as arguments, stdin or --file, not two of them');
    if (file !== undefined) return () => readText(file, '--file');
    if (this.args.length === 0 || (this.args.length === 1 && this.args[0] === '-')) {
      return async () => {
        const text = await this.#readStdin();
        return dropFinalNewline ? withoutFinalNewline(text) : text;
      };
    }
    const text = this.args.join(' ');
    return () => Promise.resolve(text);
  }

  #readStdin(): Promise<string> {
    // Otherwise a bare `ferrotok encode` in a terminal just seems to hang.
    if ((this.io.stdin as { isTTY?: boolean }).isTTY === true) {
      this.io.stderr('ferrotok: reading text from the terminal; end it with Ctrl-D\n');
    }
    return readAll(this.io.stdin);
  }
}

/** `text` less one final `\r\n` or `\n` (only one: a blank last line the user typed stays). */
export function withoutFinalNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** A whole file as UTF-8 text; `flag` names the option that gave the path, for the error. */
export async function readText(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ENOENT') throw new TokenizerError('FILE_NOT_FOUND', `no such file: ${file} (check the ${flag} path)`, { cause });
    throw new TokenizerError('IO_ERROR', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}
