/** The machine and software a report was measured on. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { NODE_MODULES, ROOT } from './paths.mjs';

export function machineInfo() {
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    availableParallelism: os.availableParallelism?.() ?? os.cpus().length,
    memoryGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    loadAvgAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  };
}

function cpuModel() {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name) => info.match(new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm'))?.[1]?.trim();
    const model = field('model name') ?? os.cpus()[0]?.model ?? 'unknown';
    const mhz = field('cpu MHz');
    const flags = field('flags') ?? '';
    const simd = ['avx512f', 'avx2', 'sse4_2'].find((f) => flags.split(' ').includes(f));
    return [model, mhz && `${Math.round(+mhz)} MHz`, simd].filter(Boolean).join(', ');
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

/** Version of an npm package as installed (`.` is this repo). */
export function npmVersion(pkg) {
  try {
    const path = pkg === '.' ? join(ROOT, 'package.json') : join(NODE_MODULES, pkg, 'package.json');
    return JSON.parse(readFileSync(path, 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

/**
 * Which ferrotok was measured: the commit, whether files outside benches/ differ from it, and
 * the native addon's size and mtime (read at start and end: a rebuild mid-run shows).
 */
export function codeVersion() {
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const changed = git('status', '--porcelain')
    .split('\n')
    .filter((l) => l && !l.slice(3).startsWith('benches/'));
  return { commit: git('rev-parse', '--short', 'HEAD') || 'unknown', uncommittedFiles: changed.length, addon: addonStamp() };
}

export function addonStamp() {
  const dir = join(ROOT, 'native');
  const file = readdirSync(dir).find((f) => f.endsWith('.node'));
  if (!file) return null;
  const st = statSync(join(dir, file));
  return { file: `native/${file}`, bytes: st.size, mtime: st.mtime.toISOString() };
}
