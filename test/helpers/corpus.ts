/**
 * Reads the shared test corpus (../shared/corpus beside the clone; FERROTOK_CORPUS overrides).
 *
 * Corpus blocks are addressed as { file, lines: [a, b] }; the block text is
 * readFileSync(file, 'utf8').split('\n').slice(a, b).join('\n'), which is exactly what the
 * Python generator encodes (it splits the strictly decoded UTF-8 text on "\n" the same way).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { sharedRoot } from './tokenizers';

export const corpusRoot = process.env.FERROTOK_CORPUS ? path.resolve(process.env.FERROTOK_CORPUS) : path.resolve(sharedRoot, 'corpus');

const textCache = new Map<string, string>();
const linesCache = new Map<string, string[]>();

/** Whole text of a corpus file ("en_prose.txt", "long/ja_man.txt", ...). */
export function corpusText(file: string): string {
  let t = textCache.get(file);
  if (t === undefined) {
    t = readFileSync(path.join(corpusRoot, file), 'utf8');
    textCache.set(file, t);
  }
  return t;
}

/** Lines of a corpus file: text.split('\n') (a trailing newline gives a last empty line). */
export function corpusLines(file: string): string[] {
  let l = linesCache.get(file);
  if (l === undefined) {
    l = corpusText(file).split('\n');
    linesCache.set(file, l);
  }
  return l;
}

export interface BlockRef {
  file: string;
  lines: [number, number];
}

/** Text of a corpus block. */
export function blockText(b: BlockRef): string {
  return corpusLines(b.file).slice(b.lines[0], b.lines[1]).join('\n');
}

/** The corpus files the goldens cover, in generator order. */
export const CORPUS_FILES = ['en_prose.txt', 'code.txt', 'multilingual.txt', 'emoji.txt', 'prompts.txt'];

/** Deterministic PRNG (mulberry32) for seeded sampling. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
