/**
 * The Python references: checks that the pinned packages import (installing them once from
 * benches/requirements.txt when they do not) and reports why not when that fails. The run goes on
 * without them in that case; their rows then read "not available: <reason>".
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCHES } from './paths.mjs';

const REQUIREMENTS = join(BENCHES, 'requirements.txt');
const PROBE = `
import json, platform
out = {"python": platform.python_version()}
for name in ("tokenizers", "tiktoken"):
    try:
        out[name] = __import__(name).__version__
    except Exception as e:
        out[name] = None
        out[name + "_error"] = f"{type(e).__name__}: {e}"
print(json.dumps(out))
`;

export function pinnedVersions() {
  const pins = {};
  for (const line of readFileSync(REQUIREMENTS, 'utf8').split('\n')) {
    const m = line.trim().match(/^([A-Za-z0-9_.-]+)==(\S+)$/);
    if (m) pins[m[1]] = m[2];
  }
  return pins;
}

function probe() {
  const r = spawnSync('python3', ['-c', PROBE], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { error: `python3: ${r.error.message}` };
  if (r.status !== 0) return { error: `python3 failed: ${lastLine(r.stderr)}` };
  return JSON.parse(r.stdout);
}

/** { python, tokenizers, tiktoken, installed?, unavailable: { module: reason } } */
export function ensurePython(log) {
  const pins = pinnedVersions();
  let found = probe();
  const mismatch = (f) => !f.error && Object.entries(pins).some(([m, v]) => f[m] !== v);
  if (found.error) return { unavailable: { python: found.error, tokenizers: found.error, tiktoken: found.error } };
  if (mismatch(found)) {
    log(`python: installing ${Object.entries(pins).map(([m, v]) => `${m}==${v}`).join(' ')} (pip, once)`);
    const r = spawnSync('python3', ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', REQUIREMENTS], { encoding: 'utf8', timeout: 300_000 });
    found = { ...probe(), installed: true, pipError: r.status === 0 ? undefined : lastLine(r.stderr || r.stdout || String(r.error)) };
  }
  const unavailable = {};
  for (const m of Object.keys(pins)) {
    if (!found[m]) unavailable[m] = found[`${m}_error`] ?? found.pipError ?? 'not importable';
  }
  return { ...found, pins, unavailable };
}

const lastLine = (s) => (s ?? '').trim().split('\n').filter(Boolean).pop() ?? '';
