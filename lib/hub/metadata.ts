/**
 * What the Hub knows about one file at one revision, from a HEAD request: the commit the
 * revision resolves to, the ETag that names the blob, the size, and where to download it.
 * huggingface_hub's `get_hf_file_metadata`, with the same header precedence.
 *
 * The HEAD follows only relative redirects (a renamed repo answers with `/new-org/name/...`);
 * an absolute one is the CDN hop of an LFS file, whose 302 already carries the metadata.
 */
import { TokenizerError } from '../errors';
import { type Client, MAX_REDIRECTS, StallTimeout, discard, isRelativeRedirect, redirectTarget, retrying, send } from './http';
import { type Target, hubErrorCode, statusError } from './status';
import { isCommitHash, normalizeEtag } from './validate';

export interface FileMetadata {
  /** 40-hex commit the revision resolved to (`X-Repo-Commit`). */
  commit: string;
  /** Blob name: `X-Linked-Etag` (LFS: the SHA-256) or `ETag` (git SHA-1), unquoted. */
  etag: string;
  /** Expected byte count, when the Hub says (`X-Linked-Size`, else `Content-Length`). */
  size: number | undefined;
  /** Where the bytes are: the CDN for LFS files, else the resolve URL itself. */
  location: URL;
}

export type HeadResult =
  | { found: true; meta: FileMetadata }
  /** The repo and revision exist but the file does not; `commit` if the Hub named it. */
  | { found: false; commit: string | undefined };

export async function headFile(client: Client, url: URL, target: Target, timeoutMs: number): Promise<HeadResult> {
  return retrying(`HEAD ${url.href}`, client.signal, async () => {
    const timeout = new StallTimeout(timeoutMs);
    try {
      const [res, finalUrl] = await headFollowingRelative(client, url, timeout.signalWith(client.signal));
      await discard(res);
      return interpret(res, finalUrl, target, client.token !== undefined);
    } finally {
      timeout.clear();
    }
  });
}

async function headFollowingRelative(client: Client, url: URL, signal: AbortSignal): Promise<[Response, URL]> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await send(client, 'HEAD', current, signal);
    const next = redirectTarget(res, current);
    if (next === undefined || !isRelativeRedirect(res)) return [res, current];
    await discard(res);
    current = next;
  }
  throw new TokenizerError('NETWORK_ERROR', `more than ${MAX_REDIRECTS} redirects from ${url.href}`);
}

function interpret(res: Response, url: URL, target: Target, tokenSent: boolean): HeadResult {
  if (res.status === 404 && isMissingEntry(res)) {
    const commit = res.headers.get('x-repo-commit') ?? '';
    return { found: false, commit: isCommitHash(commit) ? commit : undefined };
  }
  if (res.status >= 400 || res.status < 200) throw statusError(res, target, tokenSent);
  return { found: true, meta: metadataOf(res, url, target) };
}

// Without an X-Error-Code (a plain mirror), a 404 is taken to mean the file: the repo and
// revision answered for tokenizer.json already, or the next request says so.
function isMissingEntry(res: Response): boolean {
  const code = hubErrorCode(res);
  return code === undefined || code === 'EntryNotFound';
}

function metadataOf(res: Response, url: URL, target: Target): FileMetadata {
  const commit = res.headers.get('x-repo-commit') ?? '';
  const etag = normalizeEtag(res.headers.get('x-linked-etag') ?? res.headers.get('etag'));
  if (!isCommitHash(commit) || etag === undefined) {
    // huggingface_hub's FileMetadataError: typically a proxy or captive portal answering.
    throw new TokenizerError(
      'NETWORK_ERROR',
      `${url.href} did not answer like a Hugging Face Hub (${!isCommitHash(commit) ? 'no valid X-Repo-Commit' : 'no usable ETag'}); check HF_ENDPOINT, proxy and firewall settings (fetching ${target.file} of '${target.repoId}')`,
    );
  }
  const location = redirectTarget(res, url);
  return { commit, etag, size: sizeOf(res, location === undefined), location: location ?? url };
}

// A redirect's Content-Length is that of its own short body, not of the file.
function sizeOf(res: Response, isFile: boolean): number | undefined {
  const raw = res.headers.get('x-linked-size') ?? (isFile ? res.headers.get('content-length') : null);
  const size = raw === null ? NaN : Number(raw);
  return Number.isSafeInteger(size) && size >= 0 ? size : undefined;
}
