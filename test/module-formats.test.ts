// `require('ferrotok')` and `import ... from 'ferrotok'` give the same classes (one module
// instance), from the package's own `exports` map.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as esm from 'ferrotok';
import { repoRoot } from './fixtures';

describe('module formats', () => {
  it('CommonJS and ESM builds share one TokenizerError class', () => {
    const cjs = createRequire(import.meta.url)('../dist/cjs/index.js') as typeof esm;
    expect(cjs.TokenizerError).toBe(esm.TokenizerError);
    expect(cjs.Tokenizer).toBe(esm.Tokenizer);
  });

  it('exports the tiktoken and transformers.js doors from both builds', () => {
    const cjs = createRequire(import.meta.url)('../dist/cjs/index.js') as typeof esm;
    expect(esm.getEncoding).toBe(cjs.getEncoding);
    expect(esm.encodingForModel).toBe(cjs.encodingForModel);
    expect(esm.AutoTokenizer).toBe(cjs.AutoTokenizer);
    expect(esm.Tokenizer.default()).toBe(cjs.Tokenizer.default());
  });

  it('leaves the corpus pipeline unloaded until a corpus job starts', () => {
    // readline and zlib come with the corpus readers (crypto too, but `node -e` loads that
    // itself); importing ferrotok to tokenize must not pay for them (the corpus modules were
    // half of the import's time).
    const probe = [
      "require('ferrotok');",
      "const loaded = (m) => process.moduleLoadList.includes('NativeModule ' + m);",
      "console.log(['readline', 'zlib'].filter(loaded).join(',') || 'none');",
    ].join(' ');
    const out = execFileSync(process.execPath, ['-e', probe], { cwd: repoRoot, encoding: 'utf8' });
    expect(out.trim()).toBe('none');
  });

  it('resolves through package.json exports from both module systems', () => {
    const cjsOut = execFileSync(process.execPath, ['-e', "const f = require('ferrotok'); console.log(typeof f.Tokenizer.fromFile)"], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(cjsOut.trim()).toBe('function');
    const esmOut = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { Tokenizer, TokenizerError } from 'ferrotok'; console.log(typeof Tokenizer.fromJSON, TokenizerError.name)",
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect(esmOut.trim()).toBe('function TokenizerError');
  });
});
