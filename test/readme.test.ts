// Every ```js / ```ts block of README.md, taken from the README itself so the two cannot
// drift: each is type-checked with `tsc --strict` as an ES module importing the built
// package, then run in its own Node process against a local stand-in for the Hub (no
// network: fromPretrained's repos are served from the test fixtures). A block preceded by
// `<!-- readme-test: no-run … -->` is type-checked only (say why in the comment).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERT, DEFAULT_MODEL, QWEN3, repoRoot } from './fixtures';
import { HubServer } from './helpers/hub-server';

const run = promisify(execFile);

interface Snippet {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  runs: boolean;
}

/** The README's code blocks in the languages that run in Node. */
function snippetsOf(markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(js|ts|javascript|typescript)\s*$/.test(lines[i]!)) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README.md:${i + 1}: unclosed code block`);
    out.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n'), runs: !/^<!-- readme-test: no-run/.test(previousLine(lines, i)) });
    i = end;
  }
  return out;
}

function previousLine(lines: string[], i: number): string {
  let j = i - 1;
  while (j >= 0 && lines[j]!.trim() === '') j--;
  return j >= 0 ? lines[j]! : '';
}

const snippets = snippetsOf(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));
// Inside the package, so `import 'ferrotok'` resolves to it by its own name (package.json exports).
const dir = path.join(repoRoot, '.cache', 'readme-snippets');
const fileOf = (s: Snippet, ext: string): string => path.join(dir, `readme-line-${s.line}.${ext}`);

let hub: HubServer;
let cacheRoot: string;

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const s of snippets) {
    writeFileSync(fileOf(s, 'mts'), `${s.code}\nexport {};\n`);
    writeFileSync(
      fileOf(s, 'mjs'),
      ts.transpileModule(s.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText,
    );
  }
  hub = await HubServer.start({
    'Xenova/gpt-4o': { dir: DEFAULT_MODEL },
    'google-bert/bert-base-uncased': { dir: BERT },
    'Qwen/Qwen3-0.6B': { dir: QWEN3 },
  });
  cacheRoot = mkdtempSync(path.join(tmpdir(), 'ferrotok-readme-'));
});

afterAll(async () => {
  await hub?.close();
  if (cacheRoot) rmSync(cacheRoot, { recursive: true, force: true });
});

describe('README.md snippets', () => {
  it('has snippets to check', () => {
    expect(snippets.length).toBeGreaterThan(8);
  });

  it('type-check with tsc --strict', async () => {
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [
      '--strict',
      '--noEmit',
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
      '--target',
      'es2022',
      '--lib',
      'es2023',
      '--types',
      'node',
      '--skipLibCheck',
      ...snippets.map((s) => fileOf(s, 'mts')),
    ];
    const result = await run(process.execPath, [tsc, ...args], { cwd: repoRoot }).catch((e: { stdout: string }) => e);
    // Name README lines, not the generated files, in a failure.
    const report = String(result.stdout ?? '').replace(
      /\.cache\/readme-snippets\/readme-line-(\d+)\.mts\((\d+)/g,
      (_, fence: string, row: string) => `README.md:${Number(fence) + Number(row)}`,
    );
    expect(report).toBe('');
  });

  for (const s of snippets.filter((x) => x.runs)) {
    it(`runs the block at README.md:${s.line}`, async () => {
      const env = { ...process.env, HF_ENDPOINT: hub.url, HF_HUB_CACHE: path.join(cacheRoot, 'hub'), HF_HOME: cacheRoot };
      delete env.HF_HUB_OFFLINE;
      delete env.HF_TOKEN;
      const { stderr } = await run(process.execPath, [fileOf(s, 'mjs')], { cwd: repoRoot, env, timeout: 60_000 });
      expect(stderr).toBe('');
    });
  }
});
