/**
 * The one place that loads the compiled addon. Everything else imports the `Native*` types
 * from here, so a missing build fails in one spot with one clear message.
 */
import type * as Binding from '../native/index';
import { TokenizerError } from './errors';

export type {
  NativeBatch, NativeCancel as NativeCancelType, NativeEncoding, NativeEncodeOptions,
  NativePadding, NativeTokenizer as NativeTokenizerType, NativeTruncation, NativeAddedToken,
  NativeBudgetOptions, NativeDecodeStream,
} from '../native/index';

function load(): typeof Binding {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../../native/index.js') as typeof Binding;
  } catch (cause) {
    throw new TokenizerError(
      'NATIVE_LOAD_FAILED',
      'the ferrotok native addon could not be loaded; build it with `npm install` (needs cargo) or `npm run build`',
      { cause },
    );
  }
}

const binding = load();

export const NativeTokenizer = binding.NativeTokenizer;
export const NativeCancel = binding.NativeCancel;
export const NativeChatTemplates = binding.NativeChatTemplates;

// Tensor kernels over model output buffers (lib/embed.ts).
export const meanPool = binding.meanPool;
export const l2Normalize = binding.l2Normalize;
export const dotMany = binding.dotMany;
export const cosineSimilarity = binding.cosineSimilarity;
