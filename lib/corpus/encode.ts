/**
 * `encodeCorpus` as the package exports it: the corpus pipeline (run.ts and what it imports)
 * is loaded when the first job starts, not when ferrotok is imported.
 */

import { CorpusJob } from './job';
import type { CorpusOptions } from './run';

/** Encodes whole corpora into token shards. See CorpusOptions; the README has the formats. */
export function encodeCorpus(options: CorpusOptions): CorpusJob {
  return new CorpusJob(async (job) => (await import('./run.js')).runCorpus(options, job));
}
