// Type tests for the CommonJS entry (`require('ferrotok')` → dist/cjs/index.d.ts).
import ferrotok = require('ferrotok');

const tok: ferrotok.Tokenizer = ferrotok.Tokenizer.fromFile('tokenizer.json');
const ids: Uint32Array = tok.encode('hello').ids;
const err: ferrotok.TokenizerError = new ferrotok.TokenizerError('INVALID_ARGUMENT', 'x');
// @ts-expect-error codes are a closed union
new ferrotok.TokenizerError('NOPE', 'x');
void [ids, err];
