import type { OptionName } from './args';
import type { Context } from './context';

/** One subcommand. Output goes through `ctx`; failures are thrown (see cli.ts for exit codes). */
export interface Command {
  readonly name: string;
  /** One line for `ferrotok --help`. */
  readonly summary: string;
  /** The whole text of `ferrotok <name> --help`. */
  readonly help: string;
  /** Flags beyond the global ones (--tokenizer, --json, --help, --version). */
  readonly options: readonly OptionName[];
  run(ctx: Context): Promise<void>;
}

/** The help lines every command shares (each command says what its --json prints). */
export const COMMON_HELP = `  --tokenizer PATH|REPO
                     tokenizer.json, or a folder holding one (default: the bundled
                     models/default); or, when no such path exists, a Hugging Face repo id
                     org/name[@revision], downloaded to the huggingface_hub cache (honours
                     HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE)
  -h, --help         this help`;
