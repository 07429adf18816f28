/**
 * Where the CLI reads and writes. `main` takes these as a parameter so tests can feed stdin
 * as a string and capture output, without spawning a process.
 */

export interface CliIO {
  /** Standard input: the text itself, or a stream read to its end. Read only by commands that need it. */
  stdin: string | AsyncIterable<string | Uint8Array>;
  /** Writes to standard output. Throws an error with code `EPIPE` once the reader has gone. */
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /**
   * Resolves once stdout can take more: commands printing many lines await it now and then.
   * Without it a synchronous print loop would buffer all its output in memory when the reader
   * is slow, and would never see a closed pipe, whose error arrives on a later tick.
   */
  drain?: () => Promise<void>;
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
    stdout: guardedWriter(process.stdout),
    stderr: (text) => void process.stderr.write(text),
    drain: () => drained(process.stdout),
  };
  return processStreams;
}

/**
 * Node reports a closed pipe as an 'error' event after the write returned; unhandled, that
 * event crashes the process with a stack trace. We swallow it and make the next write throw,
 * so a long command stops producing output nobody reads.
 */
function guardedWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let closed: Error | undefined;
  stream.on('error', (e: Error) => {
    closed = e;
  });
  return (text) => {
    if (closed !== undefined || stream.destroyed) throw epipe(closed);
    stream.write(text);
  };
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
