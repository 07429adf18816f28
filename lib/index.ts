export { Tokenizer, DEFAULT_MAX_INPUT_LENGTH } from './tokenizer';
export { Encoding } from './encoding';
export { BatchEncoding } from './batch';
export { DecodeStream } from './stream';
export { FlatIds } from './flat';
export type { DecodeStreamOptions } from './stream';
export type { ChatMessage, ChatContentPart, ChatTemplateOptions } from './chat';
export type { BudgetOptions, TruncateOptions, ChunkOptions, TextChunk } from './budget';
export { TokenizerError } from './errors';
export type { BatchInput, LoadOptions, AddedToken, TokenizerSummary } from './tokenizer';
export { getEncoding, encodingForModel, encodingNameForModel, TiktokenEncoding } from './tiktoken';
export type { EncodingName, SpecialTokenSet, SpecialTokenOptions } from './tiktoken';
export { AutoTokenizer } from './auto';
export type { PreTrainedTokenizer, TokenizerCallOptions, Int64Tensor, ModelInputs, DecodeCallOptions } from './auto';
export type { Offset, EncodingJSON } from './encoding';
export type { TokenizerErrorCode } from './errors';
export type { TokenIds } from './ids';
export type { FromPretrainedOptions } from './hub';
export type { SpecialTokens, SpecialTokenRef, TokenizerConfig } from './config';
export type {
  EncodeOptions,
  BatchEncodeOptions,
  AsyncBatchEncodeOptions,
  DecodeOptions,
  CountOptions,
  TruncationOptions,
  PaddingOptions,
  TruncationStrategy,
  Side,
  SpecialTokensMode,
  ThreadsOption,
  BatchCountOptions,
  BatchDecodeOptions,
} from './options';
export { toOnnxFeeds, encodeOnnxFeeds, loadOnnxRuntime } from './onnx';
export type {
  OnnxFeedName,
  OnnxIntType,
  OnnxFeedOptions,
  EncodeOnnxFeedsOptions,
  OnnxTensor,
  OnnxSession,
  OnnxRuntime,
  OnnxValueMetadata,
  OnnxFeedsOf,
} from './onnx';
export { FeatureExtractor, Embeddings, embed, cosineSimilarity } from './embed';
export type { FeatureExtractorOptions, EmbedOptions, ScoredIndex } from './embed';
export { encodeCorpus } from './corpus/encode';
export { CorpusJob } from './corpus/job';
export type { CorpusOptions, CorpusProgress, CorpusResult } from './corpus/run';
export type { CorpusFormat } from './corpus/formats';
export type { InputFormat } from './corpus/inputs';
export type { DocumentSplit } from './corpus/plan';
export type { Fault as CorpusFault, SkippedRecord } from './corpus/faults';
export type { Manifest as CorpusManifest } from './corpus/manifest';
export type { ShardStats } from './corpus/spec';
