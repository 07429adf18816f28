/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1: the `resolve` layout with the headers
 * huggingface_hub relies on, so the loader can be tested with no internet.
 *
 *   HEAD|GET /{repo}/resolve/{revision}/{file}
 *     200 + X-Repo-Commit + ETag                       plain (git) files
 *     302 → {cdnBase}/cdn/<sha256> + X-Repo-Commit     LFS-like files (tokenizer.json by default),
 *         + X-Linked-Etag + X-Linked-Size                the metadata on the 302 itself, as on the Hub
 *     404 + X-Error-Code RepoNotFound | RevisionNotFound | EntryNotFound (+ X-Repo-Commit)
 *     401 (no token) / 403 (wrong token) + X-Error-Code GatedRepo, for gated repos
 *     307 → /{new name}/resolve/...                    a renamed repo (relative Location)
 *   GET /cdn/<sha256>                                  the bytes, no token needed
 *
 * Every request is logged; `fail()` injects faults (500s, dropped connections, stalls,
 * truncated, short, corrupt or endless bodies, a non-Hub answer) for a number of matching
 * requests.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';

export interface RepoSpec {
  /** Folder whose regular files the repo serves at its main commit. */
  dir?: string;
  /** Files added to (or, with null, removed from) those of `dir`. */
  files?: Record<string, string | Buffer | null>;
  /** Served like LFS files (302 to the CDN). Default ['tokenizer.json']. */
  lfs?: string[];
  /** Bearer token a gated repo requires. */
  gatedToken?: string;
  /** Answer every request with a relative 307 to this repo id. */
  renamedTo?: string;
  /** Extra revisions (branch, tag, `refs/pr/1`) → commit; all serve the same files. */
  revisions?: Record<string, string>;
  /** HEAD answers carry no size (no X-Linked-Size, no Content-Length), as some mirrors send. */
  hideSizes?: boolean;
}

export interface FakeRepo {
  spec: RepoSpec;
  /** Commit `main` resolves to; tests may change it to simulate a new push. */
  commit: string;
  files: Map<string, Buffer>;
}

export interface LoggedRequest {
  method: string;
  /** Decoded path. */
  path: string;
  /** Path as sent, percent-escapes intact. */
  rawPath: string;
  authorization: string | undefined;
  userAgent: string | undefined;
}

export type Fault =
  | '500' // answer 500
  | 'drop' // GET: headers + half the body, then destroy the socket; HEAD: destroy at once
  | 'stall' // GET: headers + half the body, then nothing; HEAD: no answer at all
  | 'truncate' // GET: half the body, chunked (no Content-Length), ended cleanly
  | 'short' // GET: half the body with a Content-Length that matches the half, ended cleanly
  | 'corrupt' // GET: as many bytes as the file, but not its bytes
  | 'endless' // GET: a chunked body that never ends, until the client hangs up
  | 'not-hub'; // 200 without any Hub header, like a captive portal

interface FaultRule {
  fault: Fault;
  method: string | undefined;
  pathIncludes: string;
  remaining: number;
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** What git (and the Hub's ETag for non-LFS files) calls the blob's id. */
export const gitBlobSha1 = (b: Buffer): string => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
export const fakeCommit = (seed: string): string => createHash('sha1').update(`commit ${seed}`).digest('hex');

export class HubServer {
  readonly requests: LoggedRequest[] = [];
  readonly repos = new Map<string, FakeRepo>();
  /** Where LFS redirects point; another HubServer's url makes the CDN a different origin. */
  cdnBase: string;
  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();
  #faults: FaultRule[] = [];

  private constructor(
    server: http.Server,
    readonly url: string,
  ) {
    this.#server = server;
    this.cdnBase = url;
    server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  static async start(repos: Record<string, RepoSpec>): Promise<HubServer> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const hub = new HubServer(server, `http://127.0.0.1:${port}`);
    for (const [id, spec] of Object.entries(repos)) hub.repos.set(id, { spec, commit: fakeCommit(id), files: filesOf(spec) });
    server.on('request', (req, res) => hub.#handle(req, res));
    return hub;
  }

  /** Makes the next `times` requests whose path includes `pathIncludes` fail with `fault`. */
  fail(fault: Fault, pathIncludes: string, options: { method?: 'HEAD' | 'GET'; times?: number } = {}): void {
    this.#faults.push({ fault, method: options.method, pathIncludes, remaining: options.times ?? Infinity });
  }

  /** Requests so far with this method (any if omitted) whose decoded path includes `pathIncludes`. */
  count(method?: 'HEAD' | 'GET', pathIncludes = ''): number {
    return this.requests.filter((r) => (method === undefined || r.method === method) && r.path.includes(pathIncludes)).length;
  }

  reset(): void {
    this.requests.length = 0;
    this.#faults = [];
    this.cdnBase = this.url;
    for (const s of this.#sockets) s.destroy(); // ends stalled answers of a previous test
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const rawPath = new URL(req.url ?? '/', this.url).pathname;
    const decoded = rawPath
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
    this.requests.push({
      method: req.method ?? '',
      path: decoded,
      rawPath,
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'],
    });
    const fault = this.#takeFault(req.method ?? '', decoded);
    if (fault !== undefined) return this.#injure(fault, req, res, this.#bodyFor(rawPath));
    if (rawPath.startsWith('/cdn/')) return this.#cdn(req, res, rawPath.slice('/cdn/'.length));
    const m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(rawPath);
    if (m === null) return send(res, 404, { 'x-error-code': 'RepoNotFound' });
    this.#resolve(req, res, m[1]!, m[2]!, decodeURIComponent(m[3]!));
  }

  #resolve(req: http.IncomingMessage, res: http.ServerResponse, repoId: string, rawRevision: string, file: string): void {
    const repo = this.repos.get(repoId);
    if (repo === undefined) return send(res, 404, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' });
    const { spec } = repo;
    if (spec.renamedTo !== undefined) return send(res, 307, { location: `/${spec.renamedTo}/resolve/${rawRevision}/${file}` });
    if (spec.gatedToken !== undefined && req.headers.authorization !== `Bearer ${spec.gatedToken}`) {
      return send(res, req.headers.authorization === undefined ? 401 : 403, {
        'x-error-code': 'GatedRepo',
        'x-error-message': `Access to model ${repoId} is restricted.`,
      });
    }
    const commit = commitOf(repo, decodeURIComponent(rawRevision));
    if (commit === undefined) return send(res, 404, { 'x-error-code': 'RevisionNotFound', 'x-error-message': 'Invalid rev id' });
    const body = repo.files.get(file);
    if (body === undefined) return send(res, 404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': commit });
    if ((spec.lfs ?? ['tokenizer.json']).includes(file)) {
      return send(
        res,
        302,
        {
          location: `${this.cdnBase}/cdn/${sha256(body)}`,
          'x-repo-commit': commit,
          'x-linked-etag': `"${sha256(body)}"`,
          ...(spec.hideSizes === true ? {} : { 'x-linked-size': String(body.length) }),
          etag: `W/"${gitBlobSha1(Buffer.from(`pointer of ${file}`))}"`, // the LFS pointer's: must not be used
        },
        Buffer.from('Found.'),
      );
    }
    const headers = { 'x-repo-commit': commit, etag: `W/"${gitBlobSha1(body)}"` };
    if (req.method === 'HEAD' && spec.hideSizes === true)
      return void res.writeHead(200, { ...headers, 'transfer-encoding': 'chunked' }).end();
    send(res, 200, headers, body, req.method === 'HEAD');
  }

  #cdn(req: http.IncomingMessage, res: http.ServerResponse, hash: string): void {
    const body = this.#blob(hash);
    if (body === undefined) return send(res, 404, {});
    send(res, 200, { etag: `"${hash}"` }, body, req.method === 'HEAD');
  }

  #blob(hash: string): Buffer | undefined {
    for (const repo of this.repos.values()) {
      for (const body of repo.files.values()) if (sha256(body) === hash) return body;
    }
    return undefined;
  }

  /** What a faulty answer mangles: the file the path names, where it names one. */
  #bodyFor(rawPath: string): Buffer {
    if (rawPath.startsWith('/cdn/')) return this.#blob(rawPath.slice('/cdn/'.length)) ?? Buffer.alloc(0);
    const m = /^\/(.+?)\/resolve\/[^/]+\/(.+)$/.exec(rawPath);
    return (m && this.repos.get(m[1]!)?.files.get(decodeURIComponent(m[2]!))) ?? Buffer.from('x'.repeat(64));
  }

  #takeFault(method: string, decodedPath: string): Fault | undefined {
    const rule = this.#faults.find(
      (f) => f.remaining > 0 && (f.method === undefined || f.method === method) && decodedPath.includes(f.pathIncludes),
    );
    if (rule === undefined) return undefined;
    rule.remaining--;
    return rule.fault;
  }

  #injure(fault: Fault, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const half = body.subarray(0, Math.floor(body.length / 2));
    switch (fault) {
      case '500':
        return send(res, 500, {});
      case 'not-hub':
        return send(
          res,
          200,
          { 'content-type': 'text/html' },
          Buffer.from('<html>Welcome to the hotel wifi</html>'),
          req.method === 'HEAD',
        );
      case 'truncate':
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        return void res.end(req.method === 'HEAD' ? undefined : half);
      case 'short':
        return send(res, 200, {}, half, req.method === 'HEAD');
      case 'corrupt':
        return send(res, 200, {}, Buffer.from(body).reverse(), req.method === 'HEAD');
      case 'endless':
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        return endless(res);
      case 'drop':
      case 'stall':
        if (req.method === 'HEAD') return void (fault === 'drop' && req.socket.destroy());
        res.writeHead(200, { 'content-length': String(body.length) });
        res.write(half, () => {
          if (fault === 'drop') res.socket?.destroy();
        });
    }
  }
}

/** Writes spaces for as long as the client reads them. */
function endless(res: http.ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body = Buffer.alloc(0), headOnly = false): void {
  res.writeHead(status, { 'content-length': String(body.length), ...headers });
  res.end(headOnly ? undefined : body);
}

function commitOf(repo: FakeRepo, revision: string): string | undefined {
  if (revision === 'main' || revision === repo.commit) return repo.commit;
  const extra = repo.spec.revisions ?? {};
  return extra[revision] ?? (Object.values(extra).includes(revision) ? revision : undefined);
}

function filesOf(spec: RepoSpec): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (spec.dir !== undefined) {
    for (const name of readdirSync(spec.dir)) {
      const p = path.join(spec.dir, name);
      if (statSync(p).isFile()) files.set(name, readFileSync(p));
    }
  }
  for (const [name, content] of Object.entries(spec.files ?? {})) {
    if (content === null) files.delete(name);
    else files.set(name, Buffer.from(content));
  }
  return files;
}

/** Environment variables that steer the Hub client: tests clear them so the host's settings never leak in. */
export const HF_VARS = [
  'HF_ENDPOINT',
  'HF_HOME',
  'HF_HUB_CACHE',
  'HUGGINGFACE_HUB_CACHE',
  'HF_TOKEN',
  'HUGGING_FACE_HUB_TOKEN',
  'HF_TOKEN_PATH',
  'HF_HUB_OFFLINE',
  'HF_HUB_DISABLE_IMPLICIT_TOKEN',
  'HF_HUB_ETAG_TIMEOUT',
  'HF_HUB_DOWNLOAD_TIMEOUT',
  'XDG_CACHE_HOME',
];
