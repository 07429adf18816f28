/**
 * The one place that loads the compiled addon, on first use rather than at import: a missing
 * or broken binary must not stop `import 'ferrotok'` or `ferrotok --help`, only the first call
 * that needs the engine, with a `NATIVE_LOAD_FAILED` that says why and what to do.
 *
 * Where the addon comes from, in order:
 * 1. `native/ferrotok.<triple>.node` inside this package: a build from source (a clone's
 *    `npm install`, or `npx ferrotok build-native` in an app);
 * 2. the platform package `ferrotok-<triple>`, an optional dependency npm installs only on its
 *    own os/cpu/libc (napi-rs' layout: npm/<triple>/ in the repository).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type * as Binding from '../native/index';
import { TokenizerError } from './errors';
import { platformTriple, PREBUILT_TRIPLES } from './platform';

export type {
  NativeBatch,
  NativeCancel as NativeCancelType,
  NativeEncoding,
  NativeEncodeOptions,
  NativePadding,
  NativeTokenizer as NativeTokenizerType,
  NativeTruncation,
  NativeAddedToken,
  NativeBudgetOptions,
  NativeDecodeStream,
  NativeChatTemplates as NativeChatTemplatesType,
} from '../native/index';

/** dist/cjs/native.js → the package root. */
export const PACKAGE_ROOT = path.join(__dirname, '..', '..');

let binding: typeof Binding | undefined;

/** The addon, loaded on the first call. Throws NATIVE_LOAD_FAILED when it cannot be. */
export function native(): typeof Binding {
  binding ??= load();
  return binding;
}

/** Where a source build puts the addon for this platform (scripts read this path too). */
export function localAddonPath(triple: string): string {
  return path.join(PACKAGE_ROOT, 'native', `ferrotok.${triple}.node`);
}

function load(): typeof Binding {
  const triple = platformTriple();
  const local = localAddonPath(triple);
  if (existsSync(local)) return requireAddon(local, `the addon built from source (${local})`);
  const pkg = `ferrotok-${triple}`;
  let resolved: string;
  try {
    resolved = require.resolve(pkg);
  } catch (cause) {
    throw new TokenizerError('NATIVE_LOAD_FAILED', missingBinaryMessage(triple, pkg), { cause });
  }
  return requireAddon(resolved, `the prebuilt addon ${pkg} (${resolved})`);
}

function requireAddon(file: string, what: string): typeof Binding {
  try {
    // A computed path: bundlers must not try to inline the .node file.
    return require(file) as typeof Binding;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new TokenizerError(
      'NATIVE_LOAD_FAILED',
      `${what} failed to load: ${reason}. Rebuild it from source with \`npx ferrotok build-native\` (needs Rust's cargo), or reinstall ferrotok`,
      { cause },
    );
  }
}

function missingBinaryMessage(triple: string, pkg: string): string {
  const build = "build it from source with `npx ferrotok build-native` (needs Rust's cargo, https://rustup.rs)";
  if (PREBUILT_TRIPLES.includes(triple)) {
    return `the prebuilt binary package ${pkg} is not installed (an install with --omit=optional or --no-optional skips it): reinstall ferrotok without that flag, or ${build}`;
  }
  return `ferrotok has no prebuilt binary for ${triple} (prebuilt: ${PREBUILT_TRIPLES.join(', ')}); ${build}`;
}
