import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests import 'ferrotok' — the built package (dist/), exactly as users get it — and Node
// loads it natively: dist/ is CommonJS plus an ESM wrapper, and must not be re-transformed.
export default defineConfig({
  resolve: {
    alias: { ferrotok: resolve(__dirname, 'dist/esm/index.mjs') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default leaves a CPU free (one worker on two cores); the files are independent
    // (servers on free ports, temporary folders), so every CPU runs one.
    maxWorkers: availableParallelism(),
    server: {
      deps: { external: [/\/dist\//, /\/native\//] },
    },
  },
});
