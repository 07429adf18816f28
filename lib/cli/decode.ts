/** `ferrotok decode`: token ids → text. */
import { invalidArgument } from '../errors';
import { COMMON_HELP, type Command } from './command';

export const decode: Command = {
  name: 'decode',
  summary: 'turn token ids back into text',
  options: ['file', 'skip-special'],
  help: `Usage: ferrotok decode [options] [IDS...]

Decodes token ids given as arguments (separated by spaces or commas), or read from stdin
when no IDS are given or IDS is "-", or from --file: whitespace/comma separated, a JSON
array, or the JSON that \`ferrotok encode --json\` prints. Prints the text and a newline.

A malformed id (e.g. "abc") is an INVALID_ARGUMENT error: exit code 1.

Options:
  --skip-special     leave special tokens out of the text
  --json             print {"text": ...}
  --file PATH        read the ids from PATH
${COMMON_HELP}
`,
  async run(ctx) {
    const input = ctx.input();
    const tok = await ctx.tokenizer();
    const ids = parseIds(await input());
    const text = tok.decode(ids, { skipSpecialTokens: ctx.flag('skip-special') });
    ctx.print(ctx.flag('json') ? JSON.stringify({ text }) : text);
  },
};

/**
 * Ids as people paste them. Malformed input is a TokenizerError (exit 1), not a usage error:
 * the command line was well formed, the data was not — and stdin data has no syntax to misuse.
 */
export function parseIds(raw: string): number[] {
  const trimmed = raw.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return idsFromJson(trimmed);
  return trimmed
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map(idFromText);
}

function idFromText(s: string): number {
  if (!/^[0-9]+$/.test(s)) throw invalidArgument(`'${s}' is not a token id; ids are non-negative integers`);
  return Number(s);
}

/** A JSON array of ids, or an object with an `ids` array (the output of `encode --json`). */
function idsFromJson(text: string): number[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalidArgument(`the ids look like JSON but do not parse: ${(e as Error).message}`);
  }
  const ids = Array.isArray(value) ? value : (value as { ids?: unknown }).ids;
  if (!Array.isArray(ids)) throw invalidArgument('JSON ids must be an array, or an object with an "ids" array');
  return ids as number[]; // Tokenizer.decode checks every element
}
