/**
 * Where the CLI reads and writes. `main` takes these as a parameter so tests can feed stdin
 * as a string and capture output, without spawning a process.
 */

export interface CliIO {
  /** Standard input: the text itself, or a stream read to its end. Read only by commands that need it. */
  stdin: string | AsyncIterable<string | Uint8Array>;
  /**
   * Writes to standard output. Throws an error with code `EPIPE` once the reader has gone,
   * and an OutputError once a write failed for any other reason (ENOSPC, EIO, ...).
   */
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Standard error when it is a terminal: progress bars draw on it. */
  stderrTTY?: NodeJS.WriteStream;
  /**
   * Resolves once stdout can take more: commands printing many lines await it now and then.
   * Without it a synchronous print loop would buffer all its output in memory when the reader
   * is slow, and would never see a closed pipe, whose error arrives on a later tick.
   */
  drain?: () => Promise<void>;
  /**
   * Resolves once everything written has reached the OS; rejects as `stdout` throws if any
   * write failed. Write errors arrive after the write returned, so without this wait the
   * last (or only) write of a command could fail unseen and the exit code still say 0.
   */
  flush?: () => Promise<void>;
}

/** A write to stdout failed for a reason other than a closed pipe: the output is incomplete. */
export class OutputError extends Error {
  constructor(cause: unknown) {
    super(`cannot write to stdout: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'OutputError';
  }
}

let processStreams: CliIO | undefined;

/** The real process streams, with a closed stdout (`ferrotok … | head`) turned into a quiet stop. */
export function processIO(): CliIO {
  // Once per process: each call would otherwise add another 'error' listener.
  if (processStreams) return processStreams;
  // A closed stderr leaves nobody to tell; without a listener its error would crash us.
  process.stderr.on('error', () => {});
  processStreams = {
    stdin: process.stdin,
    ...guardedWriter(process.stdout),
    stderr: (text) => void process.stderr.write(text),
    ...(process.stderr.isTTY ? { stderrTTY: process.stderr } : {}),
    drain: () => drained(process.stdout),
  };
  return processStreams;
}

/**
 * Node reports a failed write as an 'error' event after the write returned; unhandled, that
 * event crashes the process with a stack trace. We keep the first one and make the next
 * write (or the final flush) throw it, so a long command stops producing output nobody
 * reads, and a full disk is an error rather than a silently short file.
 */
function guardedWriter(stream: NodeJS.WriteStream): Pick<CliIO, 'stdout' | 'flush'> {
  let failed: Error | undefined;
  stream.on('error', (e: Error) => {
    failed ??= e;
  });
  const stdout = (text: string): void => {
    if (failed !== undefined || stream.destroyed) throw writeFailure(failed);
    stream.write(text);
  };
  // Write callbacks run in order, so an empty write's callback means all before it are done.
  const flush = (): Promise<void> =>
    new Promise((resolve, reject) => {
      stream.write('', (e) => {
        const error = failed ?? e ?? undefined;
        if (error === undefined && !stream.destroyed) resolve();
        else reject(writeFailure(error));
      });
    });
  return { stdout, flush };
}

/** A closed pipe (or a stream Node destroyed for it) stays the quiet EPIPE; anything else is an OutputError. */
function writeFailure(cause: Error | undefined): Error {
  if (cause === undefined || isClosedPipe(cause) || (cause as { code?: unknown }).code === 'ERR_STREAM_DESTROYED') return epipe(cause);
  return new OutputError(cause);
}

function drained(stream: NodeJS.WriteStream): Promise<void> {
  // Even with room in the buffer, one turn of the event loop lets a pending EPIPE arrive.
  if (!stream.writableNeedDrain) return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done); // a closed pipe never drains; it is destroyed, and closes
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function epipe(cause: Error | undefined): Error {
  return Object.assign(new Error('stdout is closed', { cause }), { code: 'EPIPE' });
}

/** True for the error a write to a closed stdout raises. */
export function isClosedPipe(e: unknown): boolean {
  return e instanceof Error && (e as { code?: unknown }).code === 'EPIPE';
}

/** All of stdin as UTF-8 text (invalid bytes become U+FFFD, as everywhere in Node). */
export async function readAll(stdin: CliIO['stdin']): Promise<string> {
  if (typeof stdin === 'string') return stdin;
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(toBuffer(chunk));
  // Decoding once at the end: a multi-byte character split across chunks stays whole.
  return Buffer.concat(chunks).toString('utf8');
}

function toBuffer(chunk: string | Uint8Array): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
