/**
 * Downloads one blob into the cache so that `blobs/<etag>` either does not exist or holds
 * the whole file: bytes go to a unique `blobs/<etag>.<random>.incomplete`, are counted
 * against the expected size, fsynced, and only then renamed to the final name. A crash or a
 * dropped connection leaves at worst an `.incomplete` file, which nothing ever reads.
 *
 * Unlike huggingface_hub there is no lock file: two writers of one blob each use their own
 * temporary file and the second rename replaces identical bytes.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TokenizerError } from '../errors';
import { temporaryName } from './cache';
import { type Client, MAX_REDIRECTS, StallTimeout, TransientError, discard, redirectTarget, retrying, send } from './http';
import { type Target, statusError } from './status';

export interface BlobRequest {
  /** Where the HEAD said the bytes are (the CDN for LFS files). */
  location: URL;
  /** Final path, `blobs/<etag>`. */
  blobPath: string;
  /** Byte count the HEAD announced, if any. */
  size: number | undefined;
  target: Target;
}

export async function downloadBlob(client: Client, req: BlobRequest, stallMs: number): Promise<void> {
  await mkdir(dirname(req.blobPath), { recursive: true });
  await retrying(`downloading ${req.location.href}`, client.signal, () => downloadOnce(client, req, stallMs));
}

async function downloadOnce(client: Client, req: BlobRequest, stallMs: number): Promise<void> {
  const stall = new StallTimeout(stallMs);
  const tmp = temporaryName(req.blobPath, 'incomplete');
  try {
    const res = await getFollowingRedirects(client, req, stall.signalWith(client.signal));
    const written = await saveBody(res, tmp, stall);
    checkSize(written, req.size, contentLength(res));
    await rename(tmp, req.blobPath);
  } finally {
    stall.clear();
    await rm(tmp, { force: true });
  }
}

/** GET, following up to MAX_REDIRECTS hops; only a 2xx answer comes back. */
async function getFollowingRedirects(client: Client, req: BlobRequest, signal: AbortSignal): Promise<Response> {
  let url = req.location;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await send(client, 'GET', url, signal);
    const next = redirectTarget(res, url);
    if (next === undefined) {
      if (res.ok) return res;
      await discard(res);
      throw statusError(res, req.target, client.token !== undefined);
    }
    await discard(res);
    url = next;
  }
  throw new TokenizerError('NETWORK_ERROR', `more than ${MAX_REDIRECTS} redirects downloading ${req.location.href}`);
}

/** Streams the body into a new file (`wx`: never someone else's) and fsyncs it; returns the byte count. */
async function saveBody(res: Response, tmp: string, stall: StallTimeout): Promise<number> {
  const file = await open(tmp, 'wx');
  let written = 0;
  try {
    if (res.body !== null) {
      for await (const chunk of res.body) {
        stall.touch();
        await file.write(chunk);
        written += chunk.byteLength;
      }
    }
    // Durable before the rename makes it visible: a power cut must not leave a named, empty blob.
    await file.sync();
  } finally {
    await file.close();
  }
  return written;
}

// With a Content-Encoding, fetch hands over decoded bytes and Content-Length counts encoded ones.
function contentLength(res: Response): number | undefined {
  const encoding = res.headers.get('content-encoding');
  if (encoding !== null && encoding !== 'identity') return undefined;
  const n = Number(res.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function checkSize(written: number, announced: number | undefined, length: number | undefined): void {
  for (const expected of [announced, length]) {
    if (expected !== undefined && written !== expected) {
      throw new TransientError(`received ${written} bytes, expected ${expected}`);
    }
  }
}
