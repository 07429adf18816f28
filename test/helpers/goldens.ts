/**
 * Types and loader for the golden files written by test/goldens/generate.py
 * (test/goldens/<name>.json.gz; see the generator's docstring for the format).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { PlainEncoding } from './digest';
import { repoRoot } from './tokenizers';

export const goldensDir = path.resolve(repoRoot, 'test', 'goldens');

export interface TruncationOpts {
  maxLength: number;
  strategy: 'longest_first' | 'only_first' | 'only_second';
  stride: number;
  side: 'left' | 'right';
}

export interface PaddingOpts {
  strategy: 'longest' | 'max_length';
  maxLength?: number;
  multipleOf?: number;
  side: 'left' | 'right';
  padId?: number;
  padToken?: string;
  padTypeId?: number;
}

export interface GoldenMeta {
  format: number;
  name: string;
  family: string;
  path: string;
  tokenizer_sha256: string;
  tokenizers_version: string;
  block_chars: number;
  corpus_sha256: Record<string, string>;
  file_truncation: Record<string, unknown> | null;
  file_padding: Record<string, unknown> | null;
}

export interface GoldenBlock {
  file: string;
  lines: [number, number];
  /** [addSpecialTokens = true, false] */
  n: [number, number];
  digest: [string, string];
}

export interface GoldenText {
  id: string;
  /** Text Python encoded (lone surrogates already replaced by U+FFFD). */
  text: string;
  /** When present: UTF-16 code units of the JS input (has lone surrogates). */
  js_units?: number[];
  enc: { special: PlainEncoding; plain: PlainEncoding };
  /** countTokens with addSpecialTokens [true, false]: the file's truncation/padding ignored. */
  count: [number, number];
  decode: { keep: string; skip: string };
}

export interface GoldenBig {
  id: string;
  gen: [string, number][];
  n: [number, number];
  digest: [string, string];
  /** countTokens with addSpecialTokens [true, false]. */
  count: [number, number];
}

export interface GoldenPair {
  a: string;
  b: string;
  enc: { special: PlainEncoding; plain: PlainEncoding };
}

export interface GoldenError {
  stage: 'enable' | 'encode';
  type: string;
  message: string;
}

export interface GoldenCase {
  input: string | [string, string];
  addSpecialTokens: boolean;
  truncation: TruncationOpts | null;
  padding: PaddingOpts | null;
  result?: PlainEncoding;
  result_digest?: string;
  result_n?: number;
  result_overflowing?: number;
  error?: GoldenError;
}

export interface GoldenBatch {
  inputs: (string | [string, string])[];
  addSpecialTokens: boolean;
  truncation: TruncationOpts | null;
  padding: PaddingOpts | null;
  rows: PlainEncoding[];
}

export interface Golden {
  meta: GoldenMeta;
  blocks: GoldenBlock[];
  texts: GoldenText[];
  big: GoldenBig[];
  pairs: GoldenPair[];
  truncation: GoldenCase[];
  padding: GoldenCase[];
  batches: GoldenBatch[];
}

export function goldenPath(name: string): string {
  return path.join(goldensDir, `${name}.json.gz`);
}

export function hasGolden(name: string): boolean {
  return existsSync(goldenPath(name));
}

export function loadGolden(name: string): Golden {
  return JSON.parse(gunzipSync(readFileSync(goldenPath(name))).toString('utf8')) as Golden;
}

/** The JS input string of a golden text (rebuilt from UTF-16 units for lone surrogates). */
export function jsInput(t: Pick<GoldenText, 'text' | 'js_units'>): string {
  if (!t.js_units) return t.text;
  let s = '';
  for (const u of t.js_units) s += String.fromCharCode(u);
  return s;
}

/** The text of a generated big case. */
export function bigText(b: GoldenBig): string {
  return b.gen.map(([piece, count]) => piece.repeat(count)).join('');
}

/** ferrotok encode options for a golden case (absent aspects keep the file's settings). */
export function caseOptions(c: { addSpecialTokens: boolean; truncation: TruncationOpts | null; padding: PaddingOpts | null }): {
  addSpecialTokens: boolean;
  truncation?: TruncationOpts;
  padding?: PaddingOpts;
} {
  const o: { addSpecialTokens: boolean; truncation?: TruncationOpts; padding?: PaddingOpts } = {
    addSpecialTokens: c.addSpecialTokens,
  };
  if (c.truncation) o.truncation = c.truncation;
  if (c.padding) o.padding = c.padding;
  return o;
}

/** Short label for a case, for test names and assertion messages. */
export function caseLabel(c: GoldenCase | GoldenBatch): string {
  const parts: string[] = [`special=${c.addSpecialTokens}`];
  if (c.truncation) {
    const t = c.truncation;
    parts.push(`trunc(${t.maxLength},${t.strategy},stride=${t.stride},${t.side})`);
  }
  if (c.padding) {
    const p = c.padding;
    parts.push(
      `pad(${p.strategy}${p.maxLength !== undefined ? `=${p.maxLength}` : ''}` +
        `${p.multipleOf !== undefined ? `,x${p.multipleOf}` : ''},${p.side},type=${p.padTypeId ?? 0})`,
    );
  }
  return parts.join(' ');
}
