/** `ferrotok count`: how many tokens, for the whole input or line by line. */
import type { CountOptions } from '../options';
import type { Tokenizer } from '../tokenizer';
import { COMMON_HELP, type Command } from './command';
import type { Context } from './context';

export const count: Command = {
  name: 'count',
  summary: 'count tokens, of the whole input or of each line',
  options: ['file', 'no-special', 'lines', 'keep-newline'],
  help: `Usage: ferrotok count [options] [TEXT...]

Counts the tokens of TEXT (the arguments joined by a space), or of stdin when no TEXT is
given or TEXT is "-", or of the file given with --file. Counts the whole text, ignoring
the tokenizer's truncation and padding. The one newline that ends stdin (\n or \r\n, as
echo adds) is not counted, so \`echo "a b" | ferrotok count\` equals \`ferrotok count a b\`;
--file is counted byte-exact.

Options:
  --lines            count each line on its own: prints "count<TAB>line" per line, then
                     "total<TAB>sum" (special tokens are added to every line)
  --no-special       do not count the special tokens encoding would add
  --keep-newline     count the final newline of stdin too
  --json             print {"count": n}, or with --lines {"lines": [{"count", "line"}], "total"}
  --file PATH        read the text from PATH
${COMMON_HELP}
`,
  async run(ctx) {
    const input = ctx.input({ dropFinalNewline: !ctx.flag('keep-newline') });
    const options: CountOptions = { addSpecialTokens: !ctx.flag('no-special') };
    const tok = await ctx.tokenizer();
    const text = await input();
    if (ctx.flag('lines')) await countLines(ctx, tok, splitLines(text), options);
    else ctx.print(ctx.flag('json') ? JSON.stringify({ count: tok.countTokens(text, options) }) : String(tok.countTokens(text, options)));
  },
};

/** Lines as `wc -l` sees them: a final newline ends the last line rather than starting an empty one. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// Counts and prints as it goes, so a long file shows progress and `| head` stops it early.
// Lines are printed raw (`cut -f2-` gives them back); the total row starts with a word, so
// it never reads as the count of a line.
async function countLines(ctx: Context, tok: Tokenizer, lines: readonly string[], options: CountOptions): Promise<void> {
  const count = (line: string): number => tok.countTokens(line, options);
  if (ctx.flag('json')) {
    const rows = lines.map((line) => ({ count: count(line), line }));
    ctx.print(JSON.stringify({ lines: rows, total: rows.reduce((sum, r) => sum + r.count, 0) }));
    return;
  }
  let total = 0;
  // A generator, not map(): each line is counted only when its turn to print comes.
  function* rows(): Generator<string> {
    for (const line of lines) {
      const n = count(line);
      total += n;
      yield `${n}\t${line}`;
    }
  }
  await ctx.printAll(rows());
  ctx.print(`total\t${total}`);
}
