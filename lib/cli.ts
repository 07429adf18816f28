/**
 * The `ferrotok` command line: encode, decode, count, chat and inspect with any tokenizer.json
 * or Hugging Face Hub repo.
 *
 * `main` returns the exit code instead of exiting, and takes its streams as a parameter, so
 * tests drive it in-process; bin/ferrotok.js is the shim that wires it to the real process.
 *
 * Exit codes: 0 success; 1 a TokenizerError (`ferrotok: CODE: message`, e.g. a missing file
 * or a malformed id); 2 a usage error (unknown command or flag, missing or bad flag value);
 * 70 anything else (a bug: the stack is printed). A closed stdout (`| head`) ends quietly;
 * any other failed write to stdout (a full disk, EIO) is exit 1, `ferrotok: <command>: ...`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TokenizerError } from './errors';
import { SourceBuildError } from './source-build';
import { checkOptions, type Invocation, parseArgv, UsageError } from './cli/args';
import { buildNative } from './cli/build-native';
import { chat } from './cli/chat';
import { corpus, worker } from './cli/corpus';
import { COMMON_HELP, type Command } from './cli/command';
import { Context } from './cli/context';
import { count } from './cli/count';
import { decode } from './cli/decode';
import { encode } from './cli/encode';
import { inspect } from './cli/inspect';
import { type CliIO, isClosedPipe, OutputError, processIO } from './cli/io';

export type { CliIO } from './cli/io';

export const EXIT_OK = 0;
export const EXIT_TOKENIZER_ERROR = 1;
export const EXIT_USAGE = 2;
/** EX_SOFTWARE from sysexits.h: an internal error. */
export const EXIT_INTERNAL = 70;

const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [encode, decode, count, chat, inspect, corpus, worker, buildNative].map((c) => [c.name, c]),
);

/** Runs the CLI on `argv` (without `node` and the script) and resolves to the exit code. */
export async function main(argv: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const streams = withDefaults(io);
  let command: string | undefined;
  try {
    const inv = parseArgv(argv);
    command = inv.command;
    const code = await dispatch(inv, streams);
    await streams.flush?.(); // a full disk shows only now, after the last write returned
    return code;
  } catch (e) {
    return report(e, streams, command);
  }
}

// Only touch the process streams a caller did not replace: tests pass all three.
function withDefaults(io: Partial<CliIO>): CliIO {
  const all =
    io.stdin !== undefined && io.stdout !== undefined && io.stderr !== undefined
      ? { ...io, stdin: io.stdin, stdout: io.stdout, stderr: io.stderr }
      : { ...processIO(), ...io };
  return checked(all);
}

/** The same streams, with stdout's system errors turned into OutputError (see asOutputError). */
function checked(io: CliIO): CliIO {
  const { stdout, flush } = io;
  const write = (text: string): void => {
    try {
      stdout(text);
    } catch (e) {
      throw asOutputError(e);
    }
  };
  if (flush === undefined) return { ...io, stdout: write };
  return { ...io, stdout: write, flush: () => flush().catch((e: unknown) => Promise.reject(asOutputError(e))) };
}

// A system error from stdout other than a closed pipe (ENOSPC, EIO) means lost output:
// exit 1, not "a bug". Any other exception still is one.
function asOutputError(e: unknown): unknown {
  return isSystemError(e) && !isClosedPipe(e) ? new OutputError(e) : e;
}

function isSystemError(e: unknown): boolean {
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

async function dispatch(inv: Invocation, io: CliIO): Promise<number> {
  if (inv.values.version === true) return print(io, version());
  if (inv.command === undefined) {
    if (inv.values.help === true) return print(io, topHelp());
    throw new UsageError('missing command');
  }
  if (inv.command === 'help') {
    checkOptions(inv, 'help', []);
    return help(inv, io);
  }
  const command = commandNamed(inv.command);
  checkOptions(inv, command.name, command.options);
  if (inv.values.help === true) return print(io, command.help);
  await command.run(new Context(io, command.name, inv));
  return EXIT_OK;
}

/** `ferrotok help [COMMAND]`. */
function help(inv: Invocation, io: CliIO): number {
  const [name, ...rest] = inv.args;
  if (rest.length > 0) throw new UsageError('help takes at most one command name');
  return print(io, name === undefined ? topHelp() : commandNamed(name).help);
}

function commandNamed(name: string): Command {
  const command = COMMANDS.get(name);
  if (!command) throw new UsageError(`unknown command '${name}' (commands: ${[...COMMANDS.keys()].join(', ')})`);
  return command;
}

function print(io: CliIO, text: string): number {
  io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  return EXIT_OK;
}

/** Turns a failure into its message on stderr and its exit code. */
function report(e: unknown, io: CliIO, command: string | undefined): number {
  if (isClosedPipe(e)) return EXIT_OK; // the reader has all it wanted
  if (e instanceof OutputError) {
    io.stderr(`ferrotok: ${command === undefined ? '' : `${command}: `}${e.message}\n`);
    return EXIT_TOKENIZER_ERROR;
  }
  if (e instanceof UsageError) {
    const helpCmd = e.command === undefined || e.command === 'help' ? 'ferrotok --help' : `ferrotok ${e.command} --help`;
    io.stderr(`ferrotok: ${e.message}\nRun '${helpCmd}' for usage.\n`);
    return EXIT_USAGE;
  }
  if (e instanceof TokenizerError) {
    io.stderr(`ferrotok: ${e.code}: ${e.message}\n`);
    return EXIT_TOKENIZER_ERROR;
  }
  if (e instanceof SourceBuildError) {
    io.stderr(`ferrotok: build-native: ${e.message}\n`);
    return EXIT_TOKENIZER_ERROR;
  }
  io.stderr(`ferrotok: internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT_INTERNAL;
}

/** The package root: dist/cjs/cli.js → ../.. */
function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
  return `ferrotok ${String(pkg.version)}`;
}

function topHelp(): string {
  const commands = [...COMMANDS.values()].map((c) => `  ${c.name.padEnd(14)}${c.summary}`).join('\n');
  return `Usage: ferrotok <command> [options] [args]

Hugging Face tokenizer.json tokenization from the command line.

Commands:
${commands}
  help          help on a command: ferrotok help encode

Options for every command:
${COMMON_HELP}
  --version          print the version

Input (text, ids, chat JSON) comes from the arguments (joined by a space), stdin (no
arguments, or "-"), or --file PATH; count and encode drop the one newline that ends stdin
(--keep-newline keeps it). Exit codes: 0 ok, 1 tokenizer error ("ferrotok: CODE: message")
or output lost (stdout failed, e.g. a full disk), 2 usage error, 70 internal error.
`;
}
