/**
 * Downloads one blob into the cache so that `blobs/<etag>` either does not exist or holds
 * the whole, checked file: bytes go to a unique `blobs/<etag>.<random>.incomplete`, are
 * counted against every announced size and the cap, hashed when the ETag is a SHA-256
 * (integrity.ts), fsynced, and only then renamed to the final name. A crash or a dropped
 * connection leaves at worst an `.incomplete` file, which nothing ever reads and a later
 * online call removes once it is stale (cache.ts).
 *
 * Unlike huggingface_hub there is no lock file: two writers of one blob each use their own
 * temporary file and the second rename replaces identical bytes.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TokenizerError } from '../errors';
import { temporaryName } from './cache';
import { type Client, MAX_REDIRECTS, StallTimeout, discard, redirectTarget, retrying, send } from './http';
import { BodyCheck, checkJsonFile, type Expected, refuseOverCap } from './integrity';
import { type Target, statusError } from './status';

export interface BlobRequest {
  /** Where the HEAD said the bytes are (the CDN for LFS files). */
  location: URL;
  /** Final path, `blobs/<etag>`. */
  blobPath: string;
  /** The blob's name; a SHA-256 of the content when 64 hex digits. */
  etag: string;
  /** Byte count the HEAD announced, if any. */
  size: number | undefined;
  /** Refuse more bytes than this (FILE_TOO_LARGE), announced or received. */
  maxBytes: number;
  target: Target;
}

export async function downloadBlob(client: Client, req: BlobRequest, stallMs: number): Promise<void> {
  refuseOverCap(expectedOf(req, undefined)); // before any GET
  await mkdir(dirname(req.blobPath), { recursive: true });
  await retrying(`downloading ${req.location.href}`, client.signal, () => downloadOnce(client, req, stallMs));
}

async function downloadOnce(client: Client, req: BlobRequest, stallMs: number): Promise<void> {
  const stall = new StallTimeout(stallMs);
  const tmp = temporaryName(req.blobPath, 'incomplete');
  try {
    const res = await getFollowingRedirects(client, req, stall.signalWith(client.signal));
    const check = await checkFor(res, req);
    await saveBody(res, tmp, stall, check);
    check.finish();
    if (check.needsParse) await checkJsonFile(tmp);
    await rename(tmp, req.blobPath);
  } finally {
    stall.clear();
    await rm(tmp, { force: true });
  }
}

/** The check for this response; one whose Content-Length is over the cap is dropped unread. */
async function checkFor(res: Response, req: BlobRequest): Promise<BodyCheck> {
  try {
    return new BodyCheck(expectedOf(req, contentLength(res)));
  } catch (e) {
    await discard(res);
    throw e;
  }
}

function expectedOf(req: BlobRequest, length: number | undefined): Expected {
  const sizes = [req.size, length].filter((n): n is number => n !== undefined);
  return { target: req.target, etag: req.etag, sizes, maxBytes: req.maxBytes };
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

/**
 * Streams the body into a new file (`wx`: never someone else's) through `check`, and fsyncs
 * it. A check that throws ends the loop, which cancels the body and so the connection.
 */
async function saveBody(res: Response, tmp: string, stall: StallTimeout, check: BodyCheck): Promise<void> {
  const file = await open(tmp, 'wx');
  try {
    if (res.body !== null) {
      for await (const chunk of res.body) {
        stall.touch();
        check.add(chunk);
        await file.write(chunk);
      }
    }
    // Durable before the rename makes it visible: a power cut must not leave a named, empty blob.
    await file.sync();
  } finally {
    await file.close();
  }
}

// With a Content-Encoding, fetch hands over decoded bytes and Content-Length counts encoded ones.
function contentLength(res: Response): number | undefined {
  const encoding = res.headers.get('content-encoding');
  if (encoding !== null && encoding !== 'identity') return undefined;
  const n = Number(res.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
