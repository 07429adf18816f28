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
import type { InspectOptionsStylized } from 'node:util';
import { callNative } from './errors';
import { INSPECT, summary } from './inspect';
import type { NativeDecodeStream } from './native';
import { checkUint } from './options';

export interface DecodeStreamOptions {
  /** Leave special tokens out of the text. Default false. */
  skipSpecialTokens?: boolean;
}

export class DecodeStream {
  readonly #native: NativeDecodeStream;
  readonly #skipSpecialTokens: boolean;
  /** Ids stepped since the stream started or last finished: for the summary only. */
  #steps = 0;

  /** @internal Created by `Tokenizer.decodeStream`. */
  constructor(native: NativeDecodeStream, skipSpecialTokens = false) {
    this.#native = native;
    this.#skipSpecialTokens = skipSpecialTokens;
  }

  /** `DecodeStream { skipSpecialTokens: false, steps: 12 }`. */
  [INSPECT](depth: number, options: InspectOptionsStylized): string {
    return summary('DecodeStream', { skipSpecialTokens: this.#skipSpecialTokens, steps: this.#steps }, depth, options);
  }

  toJSON(): { skipSpecialTokens: boolean; steps: number } {
    return { skipSpecialTokens: this.#skipSpecialTokens, steps: this.#steps };
  }

  /** Adds one id; returns the new text, or null when there is none yet. */
  step(id: number): string | null {
    checkUint(id, 'id');
    const piece = callNative(() => this.#native.step(id)) ?? null;
    this.#steps++;
    return piece;
  }

  /**
   * Ends the stream: returns the text still held back (an incomplete character at the end
   * comes out as U+FFFD, as `decode` gives it), or null. The stream can then be reused.
   */
  finish(): string | null {
    const rest = callNative(() => this.#native.finish()) ?? null;
    this.#steps = 0;
    return rest;
  }
}
