// An installed package without a usable addon: importing it and `--help` work, the first call
// that needs the engine throws NATIVE_LOAD_FAILED saying what to do, and the source build
// refuses a missing or too old cargo with one line. (.ci/check-package installs the real
// tarballs; these run on every `npm test`.)
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures';

let pkg: string;
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ferrotok-install-'));
  pkg = path.join(tmp, 'node_modules', 'ferrotok');
  for (const entry of ['package.json', 'dist', 'bin', 'models/default', 'native/Cargo.toml']) {
    cpSync(path.join(repoRoot, entry), path.join(pkg, entry), { recursive: true });
  }
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function node(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, args, { cwd: tmp, encoding: 'utf8', env });
}

describe('without the native addon', () => {
  it('imports (CJS and ESM) and runs --help', () => {
    expect(node(['-e', "const f = require('ferrotok'); console.log(typeof f.Tokenizer)"]).stdout.trim()).toBe('function');
    expect(node(['--input-type=module', '-e', "import { Tokenizer } from 'ferrotok'; console.log(typeof Tokenizer)"]).stdout.trim()).toBe(
      'function',
    );
    const help = node([path.join(pkg, 'bin', 'ferrotok.js'), '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('build-native');
  });

  it('throws NATIVE_LOAD_FAILED on first use, naming the platform package and build-native', () => {
    const run = node([
      '-e',
      `
      const { Tokenizer } = require('ferrotok');
      try { Tokenizer.fromFile(${JSON.stringify(path.join(pkg, 'models', 'default'))}); }
      catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, cause: !!e.cause })); }
    `,
    ]);
    const err = JSON.parse(run.stdout) as { name: string; code: string; message: string; cause: boolean };
    expect(err).toMatchObject({ name: 'TokenizerError', code: 'NATIVE_LOAD_FAILED', cause: true });
    expect(err.message).toContain('ferrotok-linux-x64-gnu');
    expect(err.message).toContain('npx ferrotok build-native');
  });

  it('the CLI reports it in one line with exit code 1, no stack trace', () => {
    const run = node([path.join(pkg, 'bin', 'ferrotok.js'), 'encode', 'Hello']);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^ferrotok: NATIVE_LOAD_FAILED: /);
  });

  it('a broken addon file is reported with the loader error', () => {
    const broken = path.join(pkg, 'native', 'ferrotok.linux-x64-gnu.node');
    writeFileSync(broken, 'not a shared object');
    try {
      const run = node([path.join(pkg, 'bin', 'ferrotok.js'), 'encode', 'Hello']);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('failed to load');
      expect(run.stderr).toContain('build-native');
    } finally {
      rmSync(broken);
    }
  });
});

describe('build-native', () => {
  const bin = () => path.join(pkg, 'bin', 'ferrotok.js');

  /** `build-native` with a `cargo` of the given script lines first on PATH (in tmp/<dir>). */
  function buildWithCargo(dir: string, script: string[]) {
    const fake = path.join(tmp, dir);
    mkdirSync(fake, { recursive: true });
    writeFileSync(path.join(fake, 'cargo'), `${script.join('\n')}\n`);
    chmodSync(path.join(fake, 'cargo'), 0o755);
    return node([bin(), 'build-native'], { PATH: `${fake}:${path.dirname(process.execPath)}:/bin:/usr/bin`, HOME: tmp });
  }

  it('without cargo: one line with the minimum Rust version and the retry command', () => {
    const run = node([bin(), 'build-native'], { PATH: path.dirname(process.execPath), HOME: tmp });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ferrotok: build-native: cargo not found: .*Rust \d+\.\d+ or newer.*npx ferrotok build-native/);
  });

  it('with a cargo older than rust-version: says so, with the version it found', () => {
    const run = buildWithCargo('fakebin', ['#!/bin/sh', 'echo "cargo 1.50.0 (old)"']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cargo 1\.50\.0 is too old: ferrotok needs Rust \d+\.\d+ or newer/);
  });

  it('installs the library that cargo names in its JSON messages, wherever its target put it', () => {
    // As with CARGO_BUILD_TARGET set: the library is under <target>/<triple>/release/.
    const built = path.join(tmp, 'elsewhere', 'x86_64-unknown-linux-gnu', 'release', 'libferrotok_native.so');
    mkdirSync(path.dirname(built), { recursive: true });
    writeFileSync(built, 'the library the fake cargo built');
    const artifact = { reason: 'compiler-artifact', target: { name: 'ferrotok_native' }, filenames: [`${built}.rlib`, built] };
    const addon = path.join(pkg, 'native', 'ferrotok.linux-x64-gnu.node');
    try {
      const run = buildWithCargo('fakecargo', [
        '#!/bin/sh',
        'if [ "$1" = --version ]; then echo "cargo 9.0.0 (fake)"; exit 0; fi',
        `echo "$@" > ${JSON.stringify(path.join(tmp, 'cargo-args'))}`,
        'echo "   Compiling ferrotok-native (not JSON: skipped)"',
        `echo '${JSON.stringify({ reason: 'compiler-artifact', target: { name: 'serde' }, filenames: ['/x/libserde.so'] })}'`,
        `echo '${JSON.stringify(artifact)}'`,
        `echo '${JSON.stringify({ reason: 'build-finished', success: true })}'`,
      ]);
      expect(run.stderr).toContain('building ferrotok');
      expect(run.status).toBe(0);
      expect(readFileSync(addon, 'utf8')).toBe('the library the fake cargo built');
      expect(readFileSync(path.join(tmp, 'cargo-args'), 'utf8')).toContain('--message-format=json-render-diagnostics');
    } finally {
      rmSync(addon, { force: true });
    }
  });

  it('a cargo that names no library is an error, not a silent success', () => {
    const run = buildWithCargo('fakecargo-none', ['#!/bin/sh', 'if [ "$1" = --version ]; then echo "cargo 9.0.0"; fi', 'exit 0']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cargo reported success but named no libferrotok_native\.so/);
  });

  it('the minimum is the crate manifest rust-version', () => {
    const manifest = execFileSync('grep', ['^rust-version', path.join(repoRoot, 'native', 'Cargo.toml')], { encoding: 'utf8' });
    const version = /"([^"]+)"/.exec(manifest)?.[1];
    const run = node([bin(), 'build-native'], { PATH: path.dirname(process.execPath), HOME: tmp });
    expect(run.stderr).toContain(`Rust ${String(version)} or newer`);
  });
});

describe('platform packages', () => {
  it('napi.targets, npm/<triple>/ and PREBUILT_TRIPLES name the same platforms', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const { PREBUILT_TRIPLES } = await import('../lib/platform');
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    const dirs = readdirSync(path.join(repoRoot, 'npm')).sort();
    expect([...PREBUILT_TRIPLES].sort()).toEqual(dirs);
    expect(manifest.napi.targets).toHaveLength(dirs.length);
    // The repository's manifest must not name unpublished packages: `npm ci` would refuse the lockfile.
    expect(manifest.optionalDependencies).toBeUndefined();
    for (const dir of dirs) {
      const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'npm', dir, 'package.json'), 'utf8'));
      expect(pkg.name).toBe(`ferrotok-${dir}`);
      expect(pkg.version).toBe(manifest.version);
    }
  });
});
