/** `ferrotok encode`: text → tokens, as a table, bare ids, or the Encoding's JSON. */
import type { Encoding } from '../encoding';
import type { EncodeOptions } from '../options';
import { positiveInt } from './args';
import { COMMON_HELP, type Command } from './command';
import type { Context } from './context';
import { escapeControls, plural, quote } from './format';

export const encode: Command = {
  name: 'encode',
  summary: 'split text into tokens (id, token, span, source text)',
  options: ['file', 'ids', 'no-special', 'pair', 'max-length', 'keep-newline'],
  help: `Usage: ferrotok encode [options] [TEXT...]

Encodes TEXT (the arguments joined by a space), or stdin when no TEXT is given or TEXT is
"-", or the file given with --file. The one newline that ends stdin (\n or \r\n, as echo
adds) is dropped (--keep-newline keeps it); files are encoded byte-exact. Put TEXT that
starts with "-" after "--".

Prints one line per token: id, token, [start,end) in UTF-16 code units, and the source
text of the token (quoted, control characters escaped); then the token count.

Options:
  --ids              print only the ids, space-separated (with --json: a JSON array)
  --json             print the Encoding as JSON (ids, tokens, offsets, masks, ...)
  --no-special       do not add special tokens ([CLS], <s>, ...)
  --pair TEXT        encode TEXT as the second sequence of a pair
  --max-length N     truncate to N tokens, special tokens included
  --keep-newline     encode the final newline of stdin too
  --file PATH        read the text from PATH
${COMMON_HELP}
`,
  async run(ctx) {
    const input = ctx.input({ dropFinalNewline: !ctx.flag('keep-newline') });
    const options = encodeOptions(ctx);
    const tok = await ctx.tokenizer();
    const text = await input();
    const enc = tok.encode(text, options);
    if (ctx.flag('ids')) ctx.print(ctx.flag('json') ? JSON.stringify(Array.from(enc.ids)) : enc.ids.join(' '));
    else if (ctx.flag('json')) ctx.print(JSON.stringify(enc.toJSON()));
    else await printTable(ctx, enc, [text, options.pair ?? '']);
  },
};

function encodeOptions(ctx: Context): EncodeOptions {
  const options: EncodeOptions = {};
  if (ctx.flag('no-special')) options.addSpecialTokens = false;
  const pair = ctx.option('pair');
  if (pair !== undefined) options.pair = pair;
  const maxLength = ctx.option('max-length');
  if (maxLength !== undefined) options.truncation = { maxLength: positiveInt(maxLength, '--max-length', ctx.command) };
  return options;
}

/** `sources[s]` is the text of sequence `s`: offsets of pair tokens index the pair. */
async function printTable(ctx: Context, enc: Encoding, sources: readonly [string, string]): Promise<void> {
  await ctx.printAll(rows(enc, sources));
  ctx.print(summary(enc));
}

function* rows(enc: Encoding, sources: readonly [string, string]): Generator<string> {
  const { ids, tokens, offsets, sequenceIds } = enc;
  for (let i = 0; i < ids.length; i++) {
    const [start, end] = offsets[i]!;
    const source = sources[sequenceIds[i] === 1 ? 1 : 0];
    yield `${ids[i]}\t${escapeControls(tokens[i]!)}\t[${start},${end})\t${quote(source.slice(start, end))}`;
  }
}

function summary(enc: Encoding): string {
  const windows = enc.overflowing.length;
  const overflow = windows === 0 ? '' : ` (truncated; ${plural(windows, 'overflowing window')} not shown, see --json)`;
  return `${plural(enc.length, 'token')}${overflow}`;
}
