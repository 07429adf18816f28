/**
 * Progress of a long command: a bar on a terminal (cli-progress: the most used progress-bar
 * package on npm, redraw throttling and ETA included), JSON lines for machines, or nothing.
 */
import type { CorpusProgress } from '../corpus/run';
import type { CliIO } from './io';

export type ProgressMode = 'bar' | 'json' | 'none';
export const PROGRESS_MODES: readonly ProgressMode[] = ['bar', 'json', 'none'];

export interface Reporter {
  update(p: CorpusProgress): void;
  /** A line of news (a shard done, a worker event): JSON mode prints it as an event. */
  event(type: string, fields: Record<string, unknown>): void;
  stop(): void;
}

/** `mode` undefined: a bar when stderr is a terminal, else nothing. */
export function reporter(io: CliIO, mode: ProgressMode | undefined): Reporter {
  const chosen = mode ?? (io.stderrTTY === undefined ? 'none' : 'bar');
  if (chosen === 'json') return jsonReporter(io);
  if (chosen === 'bar' && io.stderrTTY !== undefined) return barReporter(io.stderrTTY);
  return { update: () => {}, event: () => {}, stop: () => {} };
}

const MB = 1e6;

function rates(p: CorpusProgress): { mbPerSec: number; tokensPerSec: number; etaSec: number | null } {
  const sec = Math.max(p.elapsedMs, 1) / 1000;
  const bytesPerSec = p.inputBytes / sec;
  const left = p.totalInputBytes - p.inputBytes;
  return {
    mbPerSec: bytesPerSec / MB,
    tokensPerSec: p.tokens / sec,
    etaSec: bytesPerSec > 0 ? Math.max(0, left / bytesPerSec) : null,
  };
}

function jsonReporter(io: CliIO): Reporter {
  let last = 0;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 250 && p.shardsDone < p.shards) return; // at most 4 lines a second
      last = now;
      const r = rates(p);
      io.stderr(
        `${JSON.stringify({ type: 'progress', ...p, mbPerSec: round(r.mbPerSec), tokensPerSec: Math.round(r.tokensPerSec), etaSec: r.etaSec === null ? null : round(r.etaSec) })}\n`,
      );
    },
    event(type, fields) {
      io.stderr(`${JSON.stringify({ type, ...fields })}\n`);
    },
    stop() {},
  };
}

function barReporter(stream: NodeJS.WriteStream): Reporter {
  const { SingleBar } = require('cli-progress') as typeof import('cli-progress'); // only a terminal draws it
  const bar = new SingleBar({
    stream,
    format: '{bar} {percentage}% | {done}/{size} MB | {documents} docs | {tokens} tokens | {mbps} MB/s | {tps} tok/s | ETA {eta}',
    hideCursor: true,
    etaBuffer: 50,
  });
  let started = false;
  return {
    update(p) {
      const r = rates(p);
      const payload = {
        done: (p.inputBytes / MB).toFixed(1),
        size: (p.totalInputBytes / MB).toFixed(1),
        documents: p.documents.toLocaleString('en-US'),
        tokens: p.tokens.toLocaleString('en-US'),
        mbps: r.mbPerSec.toFixed(1),
        tps: Math.round(r.tokensPerSec).toLocaleString('en-US'),
        eta: r.etaSec === null ? '?' : formatSeconds(r.etaSec),
      };
      if (!started) {
        bar.start(Math.max(p.totalInputBytes, 1), p.inputBytes, payload);
        started = true;
      } else bar.update(p.inputBytes, payload);
    },
    event() {},
    stop() {
      if (started) bar.stop();
    },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function formatSeconds(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}
