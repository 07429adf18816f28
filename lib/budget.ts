/**
 * Token budgets: option checking and result shapes for `isWithinTokenLimit`,
 * `truncateToTokens` and `chunk`. The work is in Rust (native/src/budget.rs) on the ids-only
 * path: no Encoding is built, and every cut is re-counted so the returned text, encoded with
 * the same options, fits.
 */
import { checkOptions, optionKeys } from './check-options';
import { invalidArgument } from './errors';
import type { NativeBudgetOptions } from './native';
import { checkUint, describe, specialTokensCode, type SpecialTokensMode } from './options';

export interface BudgetOptions {
  /** Count the special tokens `encode` adds (BOS, [CLS]/[SEP]) against the limit. Default true,
   * as `countTokens`. */
  addSpecialTokens?: boolean;
  /** How special-token strings inside the text are treated. Default 'allow'. */
  specialTokens?: SpecialTokensMode;
}

export interface TruncateOptions extends BudgetOptions {
  /** Which side to cut: 'right' (default) keeps the start, 'left' keeps the end. */
  side?: 'left' | 'right';
}

export interface ChunkOptions extends BudgetOptions {
  /** Most tokens per chunk (special tokens included unless `addSpecialTokens: false`). */
  maxTokens: number;
  /** Tokens each chunk repeats from the end of the previous one. Default 0. */
  overlap?: number;
}

/** A piece of the text: `text === source.slice(start, end)` (UTF-16 positions). */
export interface TextChunk {
  text: string;
  start: number;
  end: number;
  /** Its token count, encoded alone with the same options, without the added special tokens. */
  tokens: number;
}

export const BUDGET_KEYS = optionKeys<BudgetOptions>({ addSpecialTokens: true, specialTokens: true });
export const TRUNCATE_KEYS = optionKeys<TruncateOptions>({ addSpecialTokens: true, specialTokens: true, side: true });
export const CHUNK_KEYS = optionKeys<ChunkOptions>({ addSpecialTokens: true, specialTokens: true, maxTokens: true, overlap: true });

export function nativeBudgetOptions(o: BudgetOptions | undefined, known: readonly string[] = BUDGET_KEYS): NativeBudgetOptions {
  checkOptions(o, known);
  const add = o?.addSpecialTokens;
  if (add !== undefined && typeof add !== 'boolean') throw invalidArgument(`addSpecialTokens must be a boolean, got ${describe(add)}`);
  const mode = specialTokensCode(o?.specialTokens);
  const out: NativeBudgetOptions = { addSpecialTokens: add !== false };
  if (mode !== undefined) out.specialTokens = mode;
  return out;
}

export function checkLimit(limit: unknown, name = 'limit'): number {
  return checkUint(limit, name);
}

export function sideOf(o: TruncateOptions | undefined): 'left' | 'right' {
  const side = o?.side ?? 'right';
  if (side !== 'left' && side !== 'right') throw invalidArgument(`side must be 'left' or 'right', got ${describe(side)}`);
  return side;
}

export function chunkParams(o: ChunkOptions | undefined): { maxTokens: number; overlap: number } {
  if (o === undefined || o === null || typeof o !== 'object')
    throw invalidArgument(`chunk needs options with maxTokens, got ${describe(o)}`);
  const maxTokens = checkUint(o.maxTokens, 'maxTokens', 1);
  const overlap = o.overlap === undefined ? 0 : checkUint(o.overlap, 'overlap');
  if (overlap >= maxTokens) throw invalidArgument(`overlap (${overlap}) must be smaller than maxTokens (${maxTokens})`);
  return { maxTokens, overlap };
}

export function toChunks(text: string, starts: Uint32Array, ends: Uint32Array, tokens: Uint32Array): TextChunk[] {
  const out = new Array<TextChunk>(starts.length);
  for (let i = 0; i < starts.length; i++) {
    out[i] = { text: text.slice(starts[i]!, ends[i]!), start: starts[i]!, end: ends[i]!, tokens: tokens[i]! };
  }
  return out;
}
