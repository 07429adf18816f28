/** `ferrotok build-native`: the addon from source, for a platform without a prebuilt binary. */
import { buildFromSource } from '../source-build';
import type { Command } from './command';

export const buildNative: Command = {
  name: 'build-native',
  summary: 'build the native addon from source (platforms without a prebuilt binary)',
  options: [],
  help: `Usage: ferrotok build-native

Builds ferrotok's Rust addon from the sources in the installed package, with cargo, and
puts it where ferrotok loads it from. Only needed where no prebuilt binary is installed
(prebuilt: linux-x64-gnu). Needs Rust's cargo (https://rustup.rs) at the version the
message names; takes a few minutes. Cargo builds in a temporary directory (or
CARGO_TARGET_DIR), so nothing but the finished addon is left in node_modules.

Options:
  -h, --help         this help
`,
  async run(ctx) {
    buildFromSource({ log: (line) => ctx.io.stderr(`ferrotok: ${line}\n`) });
    await Promise.resolve();
  },
};
