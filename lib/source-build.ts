/**
 * Builds the addon from the Rust sources this package ships, for platforms without a prebuilt
 * binary (`npx ferrotok build-native`). It needs only cargo: no devDependency, no file outside
 * the installed package. Cargo's output goes to a temporary directory (or CARGO_TARGET_DIR when
 * the user set one), never into node_modules; only the finished addon is copied into
 * `native/`, where the loader (native.ts) looks first.
 *
 * This is a command rather than an install script: npm warns about every dependency's install
 * script that the app has not approved (`allowScripts`) and skips unapproved ones by default,
 * so an install-time build would nag every user and still not run for the ones who need it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localAddonPath, PACKAGE_ROOT } from './native';
import { platformTriple } from './platform';

/** A source build that cannot start or did not finish; the message is one line saying why. */
export class SourceBuildError extends Error {
  override readonly name = 'SourceBuildError';
}

export interface SourceBuildOptions {
  /** Progress lines (cargo's own output goes to stderr as it runs). */
  log?: (line: string) => void;
  /** The package to build; the installed ferrotok by default. */
  root?: string;
}

/** Builds the addon and returns its path. */
export function buildFromSource(options: SourceBuildOptions = {}): string {
  const root = options.root ?? PACKAGE_ROOT;
  const log = options.log ?? (() => {});
  const manifest = path.join(root, 'native', 'Cargo.toml');
  if (!existsSync(manifest)) throw new SourceBuildError(`no Rust sources at ${manifest}: this copy of ferrotok was installed without them`);
  const minimum = rustVersionOf(manifest);
  const cargo = findCargo(minimum);
  const userTarget = process.env.CARGO_TARGET_DIR;
  const targetDir = userTarget ?? mkdtempSync(path.join(os.tmpdir(), 'ferrotok-build-'));
  try {
    log(`building ferrotok's addon from source with ${cargo.version} (a few minutes)`);
    const started = Date.now();
    // JSON messages on stdout name the library cargo wrote, wherever a `build.target` or
    // CARGO_BUILD_TARGET of the user's put it; diagnostics still reach the terminal as text.
    const args = ['build', '--release', '--locked', '--lib', '--message-format=json-render-diagnostics', '--manifest-path', manifest];
    const run = spawnSync(cargo.path, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, CARGO_TARGET_DIR: targetDir },
    });
    if (run.error) throw new SourceBuildError(`could not run ${cargo.path}: ${run.error.message}`);
    if (run.status !== 0)
      throw new SourceBuildError(
        `cargo build failed (exit ${String(run.status ?? run.signal)}); its errors are above. Retry with \`npx ferrotok build-native\``,
      );
    const built = builtLibrary(run.stdout);
    if (built === undefined) throw new SourceBuildError(`cargo reported success but named no ${libraryName()} in its output`);
    const dest = install(built, root);
    log(`built ${dest} in ${Math.round((Date.now() - started) / 1000)} s`);
    return dest;
  } finally {
    if (userTarget === undefined) rmSync(targetDir, { recursive: true, force: true });
  }
}

interface Cargo {
  path: string;
  version: string;
}

/** cargo on PATH, else where rustup puts it; refused when older than the crate's rust-version. */
function findCargo(minimum: string): Cargo {
  const candidates = [process.env.CARGO, 'cargo', path.join(os.homedir(), '.cargo', 'bin', 'cargo')];
  for (const candidate of candidates) {
    if (candidate === undefined || candidate === '') continue;
    const out = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (out.error || out.status !== 0) continue;
    const version = /cargo (\d+\.\d+(?:\.\d+)?)/.exec(out.stdout)?.[1];
    if (version === undefined) continue;
    if (compareVersions(version, minimum) < 0) {
      throw new SourceBuildError(
        `cargo ${version} is too old: ferrotok needs Rust ${minimum} or newer (\`rustup update\`), then run \`npx ferrotok build-native\``,
      );
    }
    return { path: candidate, version: `cargo ${version}` };
  }
  throw new SourceBuildError(
    `cargo not found: building ferrotok from source needs Rust ${minimum} or newer (https://rustup.rs), then run \`npx ferrotok build-native\``,
  );
}

/** `rust-version` from the crate manifest: one source of truth for the minimum toolchain. */
export function rustVersionOf(manifest: string): string {
  const m = /^rust-version\s*=\s*"([^"]+)"/m.exec(readFileSync(manifest, 'utf8'));
  return m?.[1] ?? '1.0';
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * The path of the addon library in the JSON messages of `cargo build --message-format=json…`:
 * the `compiler-artifact` of the crate's lib target. Lines that are not JSON are skipped.
 */
export function builtLibrary(messages: string): string | undefined {
  let found: string | undefined;
  for (const line of messages.split('\n')) {
    if (!line.startsWith('{')) continue;
    let message: { reason?: unknown; target?: { name?: unknown }; filenames?: unknown };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      continue;
    }
    if (message.reason !== 'compiler-artifact' || message.target?.name !== 'ferrotok_native') continue;
    const files = Array.isArray(message.filenames) ? message.filenames : [];
    found = files.find((f): f is string => typeof f === 'string' && path.basename(f) === libraryName()) ?? found;
  }
  return found;
}

/** The cdylib cargo writes for the crate `ferrotok-native`. */
function libraryName(): string {
  if (process.platform === 'win32') return 'ferrotok_native.dll';
  return process.platform === 'darwin' ? 'libferrotok_native.dylib' : 'libferrotok_native.so';
}

/** Copies the library to where the loader looks, replacing any older one in one rename. */
function install(built: string, root: string): string {
  if (!existsSync(built)) throw new SourceBuildError(`cargo reported success but wrote no ${built}`);
  const dest = path.join(root, 'native', path.basename(localAddonPath(platformTriple())));
  const partial = `${dest}.${process.pid}.partial`;
  copyFileSync(built, partial);
  renameSync(partial, dest);
  return dest;
}
