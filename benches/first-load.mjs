// The first load of a tokenizer in fresh Node processes, timed apart from the import: what an
// app waits for after `import`. Each process loads once; prints each one's ms and the median.
//   node benches/first-load.mjs <tokenizer.json or folder> [processes, default 5]
//   node benches/first-load.mjs <tokenizer.json> [processes] --addon <file.node>
// The default times `Tokenizer.fromFile` of the package, which also loads the addon (the package
// loads it on first use, not at import: 1.5–5 ms) and reads the folder's config files;
// `--addon` times `NativeTokenizer.fromFile` of that build of the addon alone, after loading it
// (to compare two builds, alternate them). One CPU:
//   RAYON_NUM_THREADS=1 taskset -c 0 node benches/first-load.mjs …
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [, script, ...args] = process.argv;
const child = args.indexOf('--child');

if (child >= 0) {
  const [file, addon] = [args[child + 1], args[child + 2]];
  let load;
  if (addon) {
    const { NativeTokenizer } = createRequire(import.meta.url)(path.resolve(addon));
    load = () => NativeTokenizer.fromFile(file);
  } else {
    const { Tokenizer } = await import('ferrotok');
    load = () => Tokenizer.fromFile(file);
  }
  const started = performance.now();
  load();
  process.stdout.write(`${performance.now() - started}\n`);
} else {
  const addonAt = args.indexOf('--addon');
  const addon = addonAt >= 0 ? args[addonAt + 1] : '';
  const rest = args.filter((_, i) => addonAt < 0 || (i !== addonAt && i !== addonAt + 1));
  const [file, count = '5'] = rest;
  if (!file || !(Number(count) > 0)) {
    console.error('usage: node benches/first-load.mjs <tokenizer.json or folder> [processes] [--addon <file.node>]');
    process.exit(2);
  }
  const times = [];
  for (let i = 0; i < Number(count); i++) {
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', file, addon], {
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      console.error(run.stderr);
      process.exit(1);
    }
    times.push(Number(run.stdout.trim()));
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const what = addon ? `NativeTokenizer.fromFile (${addon})` : 'Tokenizer.fromFile';
  console.log(`${path.basename(script)}: ${what}, ${file}`);
  console.log(`ms: ${sorted.map((t) => t.toFixed(1)).join(' ')}; median ${median.toFixed(1)}`);
}
