/**
 * What a command gets: its arguments, its flags, the I/O, and the two things every command
 * needs in the same way — the tokenizer named by --tokenizer, and input text from the
 * arguments, stdin or --file.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TokenizerError } from '../errors';
import { Tokenizer } from '../tokenizer';
import { type BooleanOption, type Invocation, type StringOption, UsageError } from './args';
import { type CliIO, readAll } from './io';

/** dist/cjs/cli/context.js → the package root, which ships models/default. */
export const DEFAULT_TOKENIZER = path.join(__dirname, '..', '..', '..', 'models', 'default');

/** Lines printed between waits for stdout: a few pipe buffers' worth. */
const LINES_PER_DRAIN = 1024;

export class Context {
  readonly #inv: Invocation;

  constructor(readonly io: CliIO, readonly command: string, inv: Invocation) {
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

  /** Writes one line to stdout. */
  print(line: string): void {
    this.io.stdout(`${line}\n`);
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

  get tokenizerPath(): string {
    return path.resolve(this.option('tokenizer') ?? DEFAULT_TOKENIZER);
  }

  tokenizer(): Tokenizer {
    return Tokenizer.fromFile(this.tokenizerPath);
  }

  /**
   * The input: the arguments joined by a space, else --file, else stdin (also for a lone
   * `-`). Sources are checked now, so a usage error comes before the slow tokenizer load;
   * the text is read when the returned function is called. Files and stdin are taken
   * byte-exact: a trailing newline is part of the text.
   */
  input(): () => Promise<string> {
    const file = this.option('file');
    if (file !== undefined && this.args.length > 0) throw this.usageError('give the input as arguments, stdin or --file, not two of them');
    if (file !== undefined) return () => readText(file);
    if (this.args.length === 0 || (this.args.length === 1 && this.args[0] === '-')) return () => this.#readStdin();
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

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ENOENT') throw new TokenizerError('FILE_NOT_FOUND', `no such file: ${file} (check the --file path)`, { cause });
    throw new TokenizerError('IO_ERROR', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}
