/**
 * Runs one job in a fresh child process and collects its `@@{json}` lines (parts, cases).
 *
 * Two clocks guard the budget: the whole child has `timeoutMs`; and once a child says `ready`,
 * each hostile case must finish within `caseTimeoutMs` of the previous line. Either expiry kills
 * the child (its process group, so no grandchild keeps a core) and the result says what finished.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCHES } from './paths.mjs';

let jobCounter = 0;

export function runChild(job, { runtime, python = 'python3', threads, timeoutMs, caseTimeoutMs }) {
  const file = join(job.inputsDir, `job-${++jobCounter}.json`);
  writeFileSync(file, JSON.stringify(job));
  const [cmd, args] = pinned(
    threads,
    runtime === 'python'
      ? [python, [join(BENCHES, 'lib/child.py'), file]]
      : [process.execPath, ['--expose-gc', join(BENCHES, 'lib/child.mjs'), file]],
  );
  const env = {
    ...process.env,
    RAYON_NUM_THREADS: String(threads),
    TOKENIZERS_PARALLELISM: 'true',
    PYTHONHASHSEED: '0',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return collect(child, { timeoutMs, caseTimeoutMs });
}

/**
 * A one-thread job runs on one CPU (`taskset -c 0`) where taskset exists: Python tokenizers
 * 1.0's `encode_batch` ignores `RAYON_NUM_THREADS` (it kept both cores busy, 1.9 CPU-seconds a
 * second, at `RAYON_NUM_THREADS=1`), so only the CPU mask makes "one thread" hold for every peer.
 */
function pinned(threads, [cmd, args]) {
  return threads === 1 && TASKSET ? [TASKSET, ['-c', '0', cmd, ...args]] : [cmd, args];
}

const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p)) ?? null;

function collect(child, { timeoutMs, caseTimeoutMs }) {
  return new Promise((resolve) => {
    const result = {};
    const cases = [];
    let ready = false;
    let done = false;
    let stderr = '';
    let buffer = '';
    let killedFor = null;
    const kill = (why) => {
      killedFor ??= why;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const total = setTimeout(() => kill('timeout'), timeoutMs);
    let caseTimer = null;
    const armCase = () => {
      clearTimeout(caseTimer);
      if (caseTimeoutMs) caseTimer = setTimeout(() => kill('case-timeout'), caseTimeoutMs);
    };
    const onMessage = (msg) => {
      if (msg.type === 'part') result[msg.key] = msg.value;
      if (msg.type === 'case') cases.push(msg);
      if (msg.type === 'ready') ready = true;
      if (msg.type === 'ready' || msg.type === 'case') armCase();
      if (msg.type === 'done') {
        done = true;
        clearTimeout(caseTimer);
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('@@')) onMessage(JSON.parse(line.slice(2)));
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      if (process.env.BENCH_DEBUG) process.stderr.write(chunk);
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('close', (code, signal) => {
      clearTimeout(total);
      clearTimeout(caseTimer);
      resolve({ result, cases, ready, done, killedFor, error: done ? undefined : failure(code, signal, killedFor, stderr) });
    });
  });
}

function failure(code, signal, killedFor, stderr) {
  if (killedFor === 'timeout') return 'timed out';
  if (killedFor === 'case-timeout') return 'case timed out';
  const last = stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  return `exited ${code ?? signal}: ${last || 'no output'}`.slice(0, 400);
}
