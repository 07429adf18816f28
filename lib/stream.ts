/**
 * Streaming decode: text for ids that arrive one at a time, as an LLM generates them.
 *
 * `step(id)` returns the text that id completes, or null while it is not yet known: an
 * incomplete UTF-8 character (emoji and CJK span several byte-level or byte-fallback
 * tokens), or a token whose text depends on the next one. `finish()` returns what is still
 * held back. Joined, the pieces equal `decode(allIds)` — the state lives in Rust
 * (native/src/stream.rs), which decodes a short window of recent ids per step, so a step
 * costs the same at token 10 and at token 100,000.
 */
import { callNative } from './errors';
import type { NativeDecodeStream } from './native';
import { checkUint } from './options';

export interface DecodeStreamOptions {
  /** Leave special tokens out of the text. Default false. */
  skipSpecialTokens?: boolean;
}

export class DecodeStream {
  readonly #native: NativeDecodeStream;

  /** @internal Created by `Tokenizer.decodeStream`. */
  constructor(native: NativeDecodeStream) {
    this.#native = native;
  }

  /** Adds one id; returns the new text, or null when there is none yet. */
  step(id: number): string | null {
    checkUint(id, 'id');
    return callNative(() => this.#native.step(id)) ?? null;
  }

  /**
   * Ends the stream: returns the text still held back (an incomplete character at the end
   * comes out as U+FFFD, as `decode` gives it), or null. The stream can then be reused.
   */
  finish(): string | null {
    return callNative(() => this.#native.finish()) ?? null;
  }
}
