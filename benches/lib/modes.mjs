/**
 * The two run modes. Every size and budget lives here, so the report can state exactly what ran.
 * Full fits 25 minutes on 2 cores; quick fits 2 minutes with smaller inputs and 3 repetitions.
 *
 * Where the time goes (full): the pure-JS libraries encode about 1–2 MB/s here, so every MB in a
 * timed pass costs ~3–6 s per library and tokenizer over the cold pass + 5 repetitions, and there
 * are seven tokenizers. Hence five of the nine long documents (English, code, Chinese, Japanese,
 * Arabic/Persian/Hebrew: the scripts that stress different pre-tokenizer paths) and 2,000 prompts
 * for counting, while the batch keeps all 10k.
 */
const DOCS = ['ar_fa_he_gettext', 'code_ts_py_mix', 'en_licenses', 'ja_man', 'zh_man'];

export const MODES = {
  full: {
    reps: 5, // timed repetitions per measurement
    minReps: 5, // a slow library stops after this many once repBudgetMs has passed
    repBudgetMs: 8_000,
    reloads: 2, // extra loads of the tokenizer in the warm process (the first load is always timed)
    docs: DOCS,
    docChars: Infinity, // documents whole (230–310 KB each)
    prompts: 10_000, // lines of prompts.txt for the batch workload
    countPrompts: 2_000, // of those, how many the countTokens workload counts
    // (i) unique lines: each timed repetition gets its own set of this many never-seen lines
    // (2 × reps sets per run: single calls, then the batch API, in one process). 5k, not 10k:
    // pure-JS libraries manage ~0.4 MB/s on new lines, and 10k would add ~3 minutes to the run.
    uniqueLines: 5_000,
    latencyCalls: 10_000, // calls per latency measurement (fewer if latencyBudgetMs runs out)
    latencyBudgetMs: 1_000,
    hostile: { bytes: [10_000, 100_000, 1_000_000], emoji: [1_000, 10_000, 100_000] },
    hostileCapMs: 3_000, // one hostile case taking longer is killed and reported as timed out
    hostileBudgetMs: 1_000, // repetitions of one hostile case stop past this (>= 1 rep)
    childTimeoutMs: 240_000,
  },
  quick: {
    reps: 3,
    minReps: 3,
    repBudgetMs: 1_000,
    reloads: 0,
    docs: DOCS,
    docChars: 4_096,
    prompts: 500,
    countPrompts: 500,
    uniqueLines: 500,
    latencyCalls: 500,
    latencyBudgetMs: 150,
    hostile: { bytes: [1_000, 10_000], emoji: [100, 1_000] },
    hostileCapMs: 1_000,
    hostileBudgetMs: 150,
    childTimeoutMs: 60_000,
  },
};
