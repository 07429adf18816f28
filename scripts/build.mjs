#!/usr/bin/env node
// Builds ferrotok in a clone of the repository: the Rust addon with cargo (through
// @napi-rs/cli, which also writes the binding's TypeScript declarations), then the
// TypeScript library. Runs as the repository's `prepare` script, so `npm install` or `npm ci`
// in a clone yields a working package with nothing downloaded but crates. The published
// package has no install script (scripts/pack.mjs); an app without a prebuilt binary builds
// with `npx ferrotok build-native` (lib/source-build.ts) instead.
//
//   node scripts/build.mjs            build what is missing or out of date
//   node scripts/build.mjs --force    rebuild both
//   node scripts/build.mjs --ts-only  only the TypeScript
//
// Under an npm dry run (`npm_config_dry_run=true`) it builds nothing.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const force = args.has('--force');

function run(cmd, argv) {
  console.log(`> ${cmd} ${argv.join(' ')}`);
  execFileSync(cmd, argv, { cwd: root, stdio: 'inherit' });
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function addonPath() {
  const found = readdirSync(join(root, 'native')).find((f) => f.endsWith('.node'));
  return found ? join(root, 'native', found) : null;
}

function nativeIsStale() {
  const addon = addonPath();
  if (!addon) return true;
  const sources = Math.max(newestMtime(join(root, 'native', 'src')), statSync(join(root, 'native', 'Cargo.toml')).mtimeMs);
  return statSync(addon).mtimeMs < sources;
}

function buildNative() {
  const napi = join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js');
  if (!existsSync(napi)) {
    throw new Error('ferrotok: @napi-rs/cli is missing: scripts/build.mjs builds a clone of the repository after `npm install`');
  }
  run(process.execPath, [
    napi,
    'build',
    '--platform',
    '--release',
    '--manifest-path',
    'native/Cargo.toml',
    '--output-dir',
    'native',
    '--no-js',
    '--dts',
    'index.d.ts',
  ]);
}

function buildTs() {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  run(process.execPath, [tsc, '-p', 'tsconfig.build.json']);
  copyBindingTypes();
  writeEsmWrapper();
}

// lib/native.ts imports the addon's generated types as '../native/index'; from dist/cjs that
// path is dist/native, so the declarations go there too (the addon itself stays in native/).
function copyBindingTypes() {
  mkdirSync(join(root, 'dist', 'native'), { recursive: true });
  copyFileSync(join(root, 'native', 'index.d.ts'), join(root, 'dist', 'native', 'index.d.ts'));
}

// ESM is a thin wrapper over the CommonJS build, not a second copy: one module instance
// means one TokenizerError class, so `instanceof` holds whichever way users import.
function writeEsmWrapper() {
  const names = publicNames();
  mkdirSync(join(root, 'dist', 'esm'), { recursive: true });
  writeFileSync(
    join(root, 'dist', 'esm', 'index.mjs'),
    `import cjs from '../cjs/index.js';\n${names.map((n) => `export const ${n} = cjs.${n};\n`).join('')}export default cjs;\n`,
  );
  writeFileSync(
    join(root, 'dist', 'esm', 'index.d.mts'),
    // The runtime's default export (the CommonJS module object) typed as what it is.
    "export * from '../cjs/index.js';\nimport * as cjs from '../cjs/index.js';\nexport default cjs;\n",
  );
}

// The value exports of lib/index.ts (types need no runtime binding).
function publicNames() {
  const src = readFileSync(join(root, 'lib', 'index.ts'), 'utf8');
  const names = [];
  for (const m of src.matchAll(/^export\s+\{([^}]*)\}\s+from/gm)) {
    for (const part of m[1].split(',')) {
      const name = part.trim();
      if (name && !name.startsWith('type ')) names.push(name.split(/\s+as\s+/).pop());
    }
  }
  return names;
}

// `npm pack --dry-run` (and any npm dry run) runs `prepare` too; a dry run changes nothing, so
// it builds nothing: it lists what is on disk in seconds instead of compiling for minutes.
if (process.env.npm_config_dry_run === 'true') {
  console.log('ferrotok: npm dry run, nothing built');
} else {
  if (!args.has('--ts-only') && (force || nativeIsStale())) buildNative();
  buildTs();
}
