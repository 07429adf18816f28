/**
 * The `model.type` of a tokenizer.json (BPE, WordPiece, Unigram, WordLevel), for summaries,
 * found without parsing the file: a 10 MB vocabulary costs a full JSON.parse, and the engine
 * does not report it. A quote inside a JSON string is escaped, so `"model": {"type": "…"`
 * can only be the structure itself; serializers write `type` first, as `tokenizers` does.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MODEL_TYPE = /^"model"\s*:\s*\{\s*"type"\s*:\s*"([A-Za-z0-9_]+)"/;
/** Enough bytes after `"model"` for the pattern in pretty-printed files too. */
const WINDOW = 160;

export function modelTypeOf(bytes: Uint8Array): string | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = buf.indexOf('"model"'); at >= 0; at = buf.indexOf('"model"', at + 1)) {
    const m = MODEL_TYPE.exec(buf.toString('utf8', at, at + WINDOW));
    if (m) return m[1];
  }
  return undefined;
}

/** The same, for the tokenizer.json at `path` (a file, or a folder holding one); undefined
 * when it cannot be read (moved since it was loaded): a summary never throws. */
export function modelTypeOfFile(path: string): string | undefined {
  try {
    const file = statSync(path).isDirectory() ? join(path, 'tokenizer.json') : path;
    return modelTypeOf(readFileSync(file));
  } catch {
    return undefined;
  }
}
