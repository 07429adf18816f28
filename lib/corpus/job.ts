/**
 * The handle `encodeCorpus` returns. Kept apart from run.ts so that importing ferrotok does
 * not load the corpus pipeline (readline, zlib, crypto, streams: half of the import's time)
 * until a corpus job starts.
 */

import { EventEmitter } from 'node:events';
import type { CorpusResult } from './run';

/**
 * A running `encodeCorpus`: await it for the result; `'progress'` events (CorpusProgress)
 * after every batch, `'shard'` events (ShardStats) as shards finish.
 */
export class CorpusJob extends EventEmitter implements PromiseLike<CorpusResult> {
  readonly #done: Promise<CorpusResult>;

  /** @internal */
  constructor(run: (job: CorpusJob) => Promise<CorpusResult>) {
    super();
    this.#done = Promise.resolve().then(() => run(this));
  }

  // biome-ignore lint/suspicious/noThenProperty: a CorpusJob is awaited like a promise, on purpose
  then<A = CorpusResult, B = never>(
    onFulfilled?: ((value: CorpusResult) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#done.then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<CorpusResult | B> {
    return this.#done.catch(onRejected);
  }
}
