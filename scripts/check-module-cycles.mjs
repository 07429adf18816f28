#!/usr/bin/env node
// Fails when two of native/src's top-level modules import each other, directly or through
// others (CONTRIBUTING.md "Layout"). A module is a file or folder under native/src; an import
// is any `crate::<module>` path in its code outside `#[cfg(test)]` modules.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = new URL('../native/src/', import.meta.url).pathname;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.rs') ? [path] : [];
  });
}

/** The top-level module a file belongs to: `engine` for engine/ids.rs and engine.rs alike. */
function moduleOf(path) {
  const first = relative(SRC, path).split('/')[0];
  return first.replace(/\.rs$/, '');
}

/** The file's text without its `#[cfg(test)] mod … { … }` blocks (tests may reach anywhere). */
function withoutTests(text) {
  const at = text.search(/#\[cfg\(test\)\]\s*(pub(\([a-z]+\))?\s+)?mod\s+\w+\s*\{/);
  return at < 0 ? text : text.slice(0, at);
}

const edges = new Map();
for (const path of files(SRC)) {
  const from = moduleOf(path);
  if (from === 'lib') continue;
  const code = withoutTests(readFileSync(path, 'utf8')).replace(/\/\/.*$/gm, '');
  for (const [, to] of code.matchAll(/crate::([a-z_0-9]+)/g)) {
    if (to === from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from).add(to);
  }
}

// Depth-first search; a back edge is a cycle.
const state = new Map(); // module → 'open' | 'done'
const cycles = [];
function visit(m, stack) {
  state.set(m, 'open');
  for (const next of edges.get(m) ?? []) {
    if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
    else if (!state.has(next)) visit(next, [...stack, next]);
  }
  state.set(m, 'done');
}
for (const m of [...edges.keys()].sort()) if (!state.has(m)) visit(m, [m]);

if (cycles.length > 0) {
  console.error(`native/src has import cycles between top-level modules:\n  ${cycles.join('\n  ')}`);
  process.exit(1);
}
if (process.argv.includes('--print')) for (const [m, to] of [...edges].sort()) console.log(`${m} → ${[...to].sort().join(', ')}`);
console.log(`native/src: ${edges.size} modules import each other without cycles`);
