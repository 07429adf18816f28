/**
 * The Python references. Two environments:
 *   - `system`: the machine's python3 with benches/requirements.txt (tokenizers 0.23, tiktoken),
 *     installed once with pip when the pinned versions do not import;
 *   - `tokenizers1`: a virtualenv the run creates under the git-ignored .cache/ from
 *     benches/requirements-tokenizers1.txt, since tokenizers 1.0 cannot share an environment
 *     with 0.23. It is made once and reused while its pins still import.
 * When an environment cannot be made, the run goes on without its peers; their rows then read
 * "not available: <reason>".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BENCHES, ROOT } from './paths.mjs';

export const ENVS = {
  system: { interpreter: 'python3', requirements: join(BENCHES, 'requirements.txt') },
  tokenizers1: { venv: join(ROOT, '.cache', 'bench-venv-tokenizers1'), requirements: join(BENCHES, 'requirements-tokenizers1.txt') },
};

// Installed distribution versions (importlib.metadata: "1.0.0rc3", as pinned, where the module's
// own __version__ says "1.0.0-rc.3"), and whether each module imports.
const PROBE = `
import importlib, importlib.metadata as md, json, platform, sys
out = {"python": platform.python_version()}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
        out[name] = md.version(name)
    except Exception as e:
        out[name] = None
        out[name + "_error"] = f"{type(e).__name__}: {e}"
print(json.dumps(out))
`;

/** The `name==version` lines of a requirements file (its first lines name the peers' packages). */
export function pinnedVersions(file) {
  const pins = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = line.trim().match(/^([A-Za-z0-9_.-]+)==(\S+)$/);
    if (m) pins[m[1]] = m[2];
  }
  return pins;
}

function probe(interpreter, modules) {
  const r = spawnSync(interpreter, ['-c', PROBE, ...modules], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { error: `${interpreter}: ${r.error.message}` };
  if (r.status !== 0) return { error: `${interpreter} failed: ${lastLine(r.stderr)}` };
  return JSON.parse(r.stdout);
}

function run(cmd, args, timeout = 600_000) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  return r.status === 0 ? null : lastLine(r.stderr || r.stdout || String(r.error ?? `exit ${r.status}`));
}

/**
 * Makes one environment usable: { interpreter, python, <module>: version, pins, unavailable }.
 * `modules` are the packages its peers import (their versions are checked against the pins).
 */
function ensureEnv(name, modules, log) {
  const env = ENVS[name];
  const pins = pinnedVersions(env.requirements);
  const wanted = modules.filter((m) => pins[m]);
  const interpreter = env.venv ? join(env.venv, 'bin', 'python') : env.interpreter;
  const fail = (why) => ({ interpreter, pins, error: why, unavailable: Object.fromEntries(modules.map((m) => [m, why])) });
  if (env.venv && !existsSync(interpreter)) {
    log(`python: creating ${relative(ROOT, env.venv)} (python3 -m venv, once)`);
    const err = run('python3', ['-m', 'venv', env.venv], 120_000);
    if (err) return fail(`python3 -m venv failed: ${err}`);
  }
  let found = probe(interpreter, modules);
  if (found.error) return fail(found.error);
  const mismatch = (f) => wanted.some((m) => f[m] !== pins[m]);
  let pipError;
  if (mismatch(found)) {
    log(
      `python (${name}): installing ${wanted.map((m) => `${m}==${pins[m]}`).join(' ')} from ${relative(ROOT, env.requirements)} (pip, once)`,
    );
    pipError = run(interpreter, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--pre', '-r', env.requirements]);
    found = probe(interpreter, modules);
    if (found.error) return fail(found.error);
  }
  const unavailable = {};
  for (const m of modules) {
    if (!found[m]) unavailable[m] = pipError ? `pip install failed: ${pipError}` : (found[`${m}_error`] ?? 'not importable');
    else if (pins[m] && found[m] !== pins[m])
      unavailable[m] = `${m} ${found[m]} installed, ${pins[m]} pinned${pipError ? ` (pip: ${pipError})` : ''}`;
  }
  return { ...found, interpreter, pins, unavailable, installed: pipError !== undefined || undefined };
}

/**
 * Every environment the selected Python peers need: { system: {...}, tokenizers1: {...} }, and at
 * the top level the system one's fields (python, tokenizers, tiktoken, pins, unavailable), which
 * the report's machine table reads.
 */
export function ensurePython(peers, log) {
  const envs = {};
  const byEnv = new Map();
  for (const p of peers.filter((x) => x.runtime === 'python')) {
    const e = p.env ?? 'system';
    byEnv.set(e, [...(byEnv.get(e) ?? []), ...(p.module ? [p.module] : [])]);
  }
  for (const [name, modules] of byEnv) envs[name] = ensureEnv(name, [...new Set(modules)], log);
  return { ...(envs.system ?? {}), envs };
}

/** The environment a Python peer runs in, from ensurePython's result. */
export const envOf = (python, peer) => python?.envs?.[peer.env ?? 'system'];

/** Why a Python peer cannot run (its module, or its interpreter), or undefined. */
export function unavailableReason(python, peer) {
  const env = envOf(python, peer);
  if (!env) return 'python environment not prepared';
  if (env.error) return env.error;
  return peer.module ? env.unavailable?.[peer.module] : undefined;
}

const lastLine = (s) => (s ?? '').trim().split('\n').filter(Boolean).pop() ?? '';
