#!/usr/bin/env node
'use strict';
// The `ferrotok` command. All logic is in lib/cli.ts; this only wires it to the process.
// exitCode, not process.exit(): output still being flushed to a pipe would be cut off.
require('../dist/cjs/cli.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
