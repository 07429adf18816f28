#!/usr/bin/env node
// Packs what gets published: the platform package with the prebuilt addon
// (npm/<triple>/, filled by the napi CLI's own `artifacts` command) and the main package.
//
// The main package is packed from a staged copy whose manifest has no `scripts`,
// `devDependencies` or `allowScripts`: the repository's `prepare` (the clone's build) must not
// reach users, where npm would list it as an unapproved install script on every install.
//
//   node scripts/pack.mjs [--out DIR]     tarballs into DIR (default .cache/pack); prints their paths
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = resolve(values.out ?? join(root, '.cache', 'pack'));
const npmCli = process.env.npm_execpath; // set when run through `npm run`; else `npm` on PATH

function run(cmd, argv, cwd = root) {
  return execFileSync(cmd, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function npm(argv, cwd) {
  return npmCli ? run(process.execPath, [npmCli, ...argv], cwd) : run('npm', argv, cwd);
}

/** `npm pack` of `dir` into `out`; returns the tarball's path. */
function pack(dir) {
  const [info] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', out], dir));
  return join(out, info.filename);
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// One platform package per npm/<triple>/ directory (made by `napi create-npm-dirs`). They join the
// published manifest's optionalDependencies here, as `napi prepublish` does, not the repository's:
// an unpublished version there puts `npm ci` out of step with the lockfile.
const platformPackages = readdirSync(join(root, 'npm'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'npm', entry.name, 'package.json')))
  .map((entry) => join(root, 'npm', entry.name));

// 1. The addon and the TypeScript, built if missing or stale.
run(process.execPath, [join(root, 'scripts', 'build.mjs')]);

// 2. Platform packages: `napi artifacts` copies native/<binary>.<triple>.node into npm/<triple>/.
const napi = join(root, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js');
run(process.execPath, [napi, 'artifacts', '--output-dir', 'native', '--npm-dir', 'npm']);
// It also leaves a copy at the repository root, for napi's generated loader, which we do not use.
for (const dir of platformPackages) {
  rmSync(join(root, `${manifest.napi.binaryName}.${basename(dir)}.node`), { force: true });
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const tarballs = [];
const optionalDependencies = {};
for (const dir of platformPackages) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.version !== manifest.version)
    throw new Error(`${dir}: version ${pkg.version}, the main package is ${manifest.version}: run \`napi version\``);
  if (!existsSync(join(dir, pkg.main))) throw new Error(`${dir}: ${pkg.main} is missing after napi artifacts`);
  optionalDependencies[pkg.name] = pkg.version;
  tarballs.push(pack(dir));
}

// 3. The main package, from a staged copy with the publish manifest.
const stage = join(out, 'stage', manifest.name);
for (const entry of manifest.files) cpSync(join(root, entry), join(stage, entry), { recursive: true });
for (const extra of ['README.md', 'LICENSE']) if (existsSync(join(root, extra))) cpSync(join(root, extra), join(stage, extra));
const { scripts: _s, devDependencies: _d, allowScripts: _a, ...published } = manifest;
writeFileSync(join(stage, 'package.json'), `${JSON.stringify({ ...published, optionalDependencies }, null, 2)}\n`);
tarballs.push(pack(stage));
rmSync(join(out, 'stage'), { recursive: true, force: true });

for (const t of tarballs) console.log(`${t}\t${(statSync(t).size / 1e6).toFixed(2)} MB`);
