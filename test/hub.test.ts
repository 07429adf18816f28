// Tokenizer.fromPretrained's loader against a local stand-in for the Hub (127.0.0.1 only):
// the huggingface_hub cache layout, reuse, offline mode, tokens, errors, faults.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BERT, repoRoot } from './fixtures';
import { HF_VARS, HubServer, fakeCommit, gitBlobSha1, sha256 } from './helpers/hub-server';

type HubModule = typeof import('../lib/hub');
type Index = typeof import('../lib/index');
type CacheModule = typeof import('../lib/hub/cache');
const load = createRequire(import.meta.url);
const { resolvePretrained } = load('../dist/cjs/hub.js') as HubModule;
const { Tokenizer, TokenizerError } = load('../dist/cjs/index.js') as Index;
const { RepoCache } = load('../dist/cjs/hub/cache.js') as CacheModule;

const REPO = 'ferrotok-test/bert';
const SIZELESS = 'ferrotok-test/sizeless'; // its HEADs announce no size
const TOKENIZER = readFileSync(path.join(BERT, 'tokenizer.json'));
const CONFIG = readFileSync(path.join(BERT, 'tokenizer_config.json'));
const TOKENIZER_ETAG = sha256(TOKENIZER); // served like LFS: the ETag is the SHA-256
const CONFIG_ETAG = gitBlobSha1(CONFIG); // a git file: the ETag is the git blob id
const MAIN = fakeCommit(REPO);
const PR_COMMIT = fakeCommit('pr-1');
const VERSION = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

let hub: HubServer;
let cacheDir: string;
let home: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  hub = await HubServer.start({
    [REPO]: { dir: BERT, revisions: { 'refs/pr/1': PR_COMMIT } },
    'bert-solo': { dir: BERT },
    'ferrotok-test/gated': { dir: BERT, gatedToken: 'hf_good' },
    'ferrotok-test/no-tokenizer': { dir: BERT, files: { 'tokenizer.json': null } },
    'ferrotok-test/full': { dir: BERT, files: { 'special_tokens_map.json': '{"cls_token": "[CLS]"}' } },
    [SIZELESS]: { dir: BERT, hideSizes: true },
    'old-org/bert': { renamedTo: REPO },
  });
});

afterAll(async () => {
  await hub.close();
});

// Every test starts with an empty cache, no token anywhere, and the environment pointing at
// the local server, so nothing can reach the real Hub or the real ~/.cache.
beforeEach(() => {
  hub.reset();
  hub.repos.get(REPO)!.commit = MAIN;
  const root = mkdtempSync(path.join(tmpdir(), 'ferrotok-hub-'));
  cacheDir = path.join(root, 'cache');
  home = path.join(root, 'hf-home');
  for (const name of HF_VARS) delete process.env[name];
  process.env.HF_ENDPOINT = hub.url;
  process.env.HF_HUB_CACHE = cacheDir;
  process.env.HF_HOME = home;
});

afterEach(() => {
  for (const name of HF_VARS) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

const repoDir = (repo = REPO): string => path.join(cacheDir, `models--${repo.split('/').join('--')}`);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerError);
    return (e as InstanceType<typeof TokenizerError>).code;
  }
  return 'no error';
}

async function errorOf(p: Promise<unknown>): Promise<InstanceType<typeof TokenizerError>> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerError);
    return e as InstanceType<typeof TokenizerError>;
  }
  throw new Error('expected a rejection');
}

/** Files under blobs/ other than complete blobs: there must never be any left behind. */
function leftovers(repo = REPO): string[] {
  const blobs = path.join(repoDir(repo), 'blobs');
  return existsSync(blobs) ? readdirSync(blobs).filter((f) => f.includes('.')) : [];
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('first download', () => {
  it('creates the huggingface_hub layout: blobs by ETag, relative symlinks, refs/main, .no_exist', async () => {
    const dir = await resolvePretrained(REPO);
    const root = repoDir();
    expect(dir).toBe(path.join(root, 'snapshots', MAIN));
    expect(readFileSync(path.join(root, 'refs', 'main'), 'utf8')).toBe(MAIN);
    expect(readdirSync(path.join(root, 'blobs')).sort()).toEqual([TOKENIZER_ETAG, CONFIG_ETAG].sort());
    expect(readFileSync(path.join(root, 'blobs', TOKENIZER_ETAG))).toEqual(TOKENIZER);
    for (const [file, etag] of [
      ['tokenizer.json', TOKENIZER_ETAG],
      ['tokenizer_config.json', CONFIG_ETAG],
    ] as const) {
      expect(lstatSync(path.join(dir, file)).isSymbolicLink()).toBe(true);
      expect(readlinkSync(path.join(dir, file))).toBe(`../../blobs/${etag}`);
    }
    // The fixture has no special_tokens_map.json: marked absent for this commit, not linked.
    expect(existsSync(path.join(root, '.no_exist', MAIN, 'special_tokens_map.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'special_tokens_map.json'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it("takes the LFS metadata from the 302 and downloads from the CDN, with ferrotok's user-agent", async () => {
    await resolvePretrained(REPO);
    expect(hub.count('GET', '/cdn/')).toBe(1);
    expect(hub.count('GET', '/resolve/main/tokenizer.json')).toBe(0);
    expect(hub.count('GET', `/resolve/${MAIN}/tokenizer_config.json`)).toBe(1);
    expect(hub.requests.every((r) => r.userAgent === `ferrotok/${VERSION}`)).toBe(true);
    expect(hub.requests.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('loads: the folder works with Tokenizer.fromFile, config included', async () => {
    const dir = await resolvePretrained(REPO);
    const tok = Tokenizer.fromFile(dir);
    expect(Array.from(tok.encode('hello').ids)).toEqual(Array.from(Tokenizer.fromFile(BERT).encode('hello').ids));
    expect(tok.config?.model_max_length).toBe(512);
    expect(tok.specialTokens.cls?.content).toBe('[CLS]');
  });

  it('links every file that exists, special_tokens_map.json too', async () => {
    const dir = await resolvePretrained('ferrotok-test/full');
    expect(readFileSync(path.join(dir, 'special_tokens_map.json'), 'utf8')).toBe('{"cls_token": "[CLS]"}');
    expect(existsSync(path.join(repoDir('ferrotok-test/full'), '.no_exist'))).toBe(false);
  });

  it('accepts a repo id without an org', async () => {
    const dir = await resolvePretrained('bert-solo');
    expect(dir).toBe(path.join(cacheDir, 'models--bert-solo', 'snapshots', fakeCommit('bert-solo')));
  });
});

describe('reuse', () => {
  it('a second call costs one HEAD and no download', async () => {
    const first = await resolvePretrained(REPO);
    hub.reset();
    expect(await resolvePretrained(REPO)).toBe(first);
    expect(hub.count('GET')).toBe(0);
    expect(hub.count('HEAD')).toBe(1);
    expect(hub.count('HEAD', 'special_tokens_map.json')).toBe(0); // .no_exist is honoured
  });

  it('a commit hash whose snapshot is settled needs no network at all', async () => {
    await resolvePretrained(REPO);
    hub.reset();
    expect(await resolvePretrained(REPO, { revision: MAIN })).toBe(path.join(repoDir(), 'snapshots', MAIN));
    expect(hub.requests).toEqual([]);
  });

  it('a new commit with the same file contents links the blobs it already has', async () => {
    await resolvePretrained(REPO);
    const next = fakeCommit('second push');
    hub.repos.get(REPO)!.commit = next;
    hub.reset();
    const dir = await resolvePretrained(REPO);
    expect(dir).toBe(path.join(repoDir(), 'snapshots', next));
    expect(readFileSync(path.join(repoDir(), 'refs', 'main'), 'utf8')).toBe(next);
    expect(hub.count('GET')).toBe(0);
    expect(hub.count('HEAD', `/resolve/${next}/special_tokens_map.json`)).toBe(1); // new commit: asked again
    expect(readlinkSync(path.join(dir, 'tokenizer.json'))).toBe(`../../blobs/${TOKENIZER_ETAG}`);
  });

  it('a cache laid out by hand the way Python writes it is reused', async () => {
    const root = repoDir();
    const snap = path.join(root, 'snapshots', MAIN);
    mkdirSync(path.join(root, 'blobs'), { recursive: true });
    mkdirSync(snap, { recursive: true });
    mkdirSync(path.join(root, 'refs'));
    mkdirSync(path.join(root, '.no_exist', MAIN), { recursive: true });
    writeFileSync(path.join(root, 'blobs', TOKENIZER_ETAG), TOKENIZER);
    writeFileSync(path.join(root, 'blobs', CONFIG_ETAG), CONFIG);
    symlinkSync(`../../blobs/${TOKENIZER_ETAG}`, path.join(snap, 'tokenizer.json'));
    symlinkSync(`../../blobs/${CONFIG_ETAG}`, path.join(snap, 'tokenizer_config.json'));
    writeFileSync(path.join(root, 'refs', 'main'), MAIN);
    writeFileSync(path.join(root, '.no_exist', MAIN, 'special_tokens_map.json'), '');

    expect(await resolvePretrained(REPO, { revision: MAIN })).toBe(snap);
    expect(await resolvePretrained(REPO, { localFilesOnly: true })).toBe(snap);
    expect(hub.requests).toEqual([]);
    expect(await resolvePretrained(REPO)).toBe(snap); // online: metadata only, no download
    expect(hub.count('GET')).toBe(0);
    expect(Array.from(Tokenizer.fromFile(snap).encode('hello').ids)).toEqual(Array.from(Tokenizer.fromFile(BERT).encode('hello').ids));
  });

  it('downloads again when a snapshot points at a deleted blob', async () => {
    const dir = await resolvePretrained(REPO);
    rmSync(path.join(repoDir(), 'blobs', TOKENIZER_ETAG));
    hub.reset();
    expect(await resolvePretrained(REPO)).toBe(dir);
    expect(hub.count('GET', '/cdn/')).toBe(1);
    expect(readFileSync(path.join(dir, 'tokenizer.json'))).toEqual(TOKENIZER);
  });
});

describe('offline', () => {
  it('localFilesOnly and HF_HUB_OFFLINE resolve refs/<revision> from the cache', async () => {
    const dir = await resolvePretrained(REPO);
    hub.reset();
    expect(await resolvePretrained(REPO, { localFilesOnly: true })).toBe(dir);
    for (const value of ['1', 'true', 'YES', 'on']) {
      process.env.HF_HUB_OFFLINE = value;
      expect(await resolvePretrained(REPO)).toBe(dir);
    }
    expect(hub.requests).toEqual([]);
  });

  it('fails with HUB_NOT_FOUND, without a request, when not cached', async () => {
    const error = await errorOf(resolvePretrained(REPO, { localFilesOnly: true }));
    expect(error.code).toBe('HUB_NOT_FOUND');
    expect(error.message).toMatch(/not in the cache.*offline/);
    process.env.HF_HUB_OFFLINE = '1';
    expect(await codeOf(resolvePretrained(REPO, { revision: MAIN }))).toBe('HUB_NOT_FOUND');
    expect(await codeOf(resolvePretrained(REPO, { revision: 'v2' }))).toBe('HUB_NOT_FOUND');
    expect(hub.requests).toEqual([]);
  });

  it('localFilesOnly: false overrides HF_HUB_OFFLINE', async () => {
    process.env.HF_HUB_OFFLINE = '1';
    await resolvePretrained(REPO, { localFilesOnly: false });
    expect(hub.count('GET', '/cdn/')).toBe(1);
  });

  it('falls back to the cached snapshot when the Hub cannot be reached, and fails without one', async () => {
    const dir = await resolvePretrained(REPO);
    const dead = `http://127.0.0.1:${await closedPort()}`;
    expect(await resolvePretrained(REPO, { endpoint: dead })).toBe(dir);
    const error = await errorOf(resolvePretrained('bert-solo', { endpoint: dead }));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});

describe('tokens', () => {
  it('a gated repo without a token → HUB_UNAUTHORIZED, saying what to do', async () => {
    const error = await errorOf(resolvePretrained('ferrotok-test/gated'));
    expect(error.code).toBe('HUB_UNAUTHORIZED');
    expect(error.message).toMatch(/no token was sent/);
    expect(error.message).toMatch(/`token`.*HF_TOKEN/);
    expect(error.message).toMatch(/gated repo also needs its access conditions accepted on the website/);
    expect(existsSync(path.join(repoDir('ferrotok-test/gated'), 'refs'))).toBe(false);
  });

  it('a wrong token → HUB_UNAUTHORIZED (403), and it was sent', async () => {
    const error = await errorOf(resolvePretrained('ferrotok-test/gated', { token: 'hf_wrong' }));
    expect(error.code).toBe('HUB_UNAUTHORIZED');
    expect(error.message).toMatch(/HTTP 403.*the token sent does not grant access/);
    expect(hub.requests[0]?.authorization).toBe('Bearer hf_wrong');
  });

  it('sends the HF_TOKEN environment token as a Bearer token', async () => {
    process.env.HF_TOKEN = 'hf_good';
    await resolvePretrained('ferrotok-test/gated');
    const toHub = hub.requests.filter((r) => !r.path.startsWith('/cdn/'));
    expect(toHub.length).toBeGreaterThan(0);
    expect(toHub.every((r) => r.authorization === 'Bearer hf_good')).toBe(true);
  });

  it('reads the token file huggingface-cli login writes ($HF_HOME/token, or HF_TOKEN_PATH)', async () => {
    mkdirSync(home, { recursive: true });
    writeFileSync(path.join(home, 'token'), 'hf_good\n');
    await resolvePretrained('ferrotok-test/gated');
    expect(hub.requests[0]?.authorization).toBe('Bearer hf_good');
    writeFileSync(path.join(home, 'other-token'), 'hf_other');
    process.env.HF_TOKEN_PATH = path.join(home, 'other-token');
    hub.reset();
    expect(await codeOf(resolvePretrained('ferrotok-test/gated', { localFilesOnly: false, cacheDir: path.join(home, 'c2') }))).toBe(
      'HUB_UNAUTHORIZED',
    );
    expect(hub.requests[0]?.authorization).toBe('Bearer hf_other');
  });

  it('HUGGING_FACE_HUB_TOKEN (older name) is read; HF_HUB_DISABLE_IMPLICIT_TOKEN sends only explicit tokens', async () => {
    process.env.HUGGING_FACE_HUB_TOKEN = 'hf_good';
    await resolvePretrained('ferrotok-test/gated');
    expect(hub.requests[0]?.authorization).toBe('Bearer hf_good');
    process.env.HF_HUB_DISABLE_IMPLICIT_TOKEN = '1';
    hub.reset();
    expect(await codeOf(resolvePretrained('ferrotok-test/gated', { cacheDir: path.join(home, 'c2') }))).toBe('HUB_UNAUTHORIZED');
    expect(hub.requests[0]?.authorization).toBeUndefined();
    await resolvePretrained('ferrotok-test/gated', { cacheDir: path.join(home, 'c3'), token: 'hf_good' });
  });

  it('the token option wins over HF_TOKEN; token: false sends none', async () => {
    process.env.HF_TOKEN = 'hf_wrong';
    await resolvePretrained('ferrotok-test/gated', { token: 'hf_good' });
    hub.reset();
    expect(await codeOf(resolvePretrained('ferrotok-test/gated', { token: false }))).toBe('HUB_UNAUTHORIZED');
    expect(hub.requests.map((r) => r.authorization)).toEqual([undefined]);
  });

  it('never sends the token to a CDN on another origin', async () => {
    const cdn = await HubServer.start({ [REPO]: { dir: BERT } });
    try {
      hub.cdnBase = cdn.url;
      await resolvePretrained('ferrotok-test/gated', { token: 'hf_good' });
      expect(cdn.count('GET', '/cdn/')).toBe(1);
      expect(cdn.requests.every((r) => r.authorization === undefined)).toBe(true);
      expect(hub.count('GET', '/cdn/')).toBe(0);
    } finally {
      await cdn.close();
    }
  });
});

describe('environment and options', () => {
  it('honours HF_ENDPOINT and HF_HUB_CACHE', async () => {
    const dir = await resolvePretrained(REPO);
    expect(dir.startsWith(cacheDir + path.sep)).toBe(true);
    expect(hub.count('HEAD')).toBeGreaterThan(0);
  });

  it('uses $HF_HOME/hub when HF_HUB_CACHE is unset, else $XDG_CACHE_HOME/huggingface/hub', async () => {
    delete process.env.HF_HUB_CACHE;
    expect(await resolvePretrained(REPO)).toBe(path.join(home, 'hub', 'models--ferrotok-test--bert', 'snapshots', MAIN));
    delete process.env.HF_HOME;
    process.env.XDG_CACHE_HOME = path.join(home, 'xdg');
    expect(await resolvePretrained(REPO)).toBe(
      path.join(home, 'xdg', 'huggingface', 'hub', 'models--ferrotok-test--bert', 'snapshots', MAIN),
    );
    process.env.HUGGINGFACE_HUB_CACHE = path.join(home, 'legacy'); // the older name of HF_HUB_CACHE
    expect(await resolvePretrained(REPO)).toBe(path.join(home, 'legacy', 'models--ferrotok-test--bert', 'snapshots', MAIN));
  });

  it('options win over the environment', async () => {
    process.env.HF_ENDPOINT = `http://127.0.0.1:${await closedPort()}`;
    const other = path.join(cacheDir, 'elsewhere');
    const dir = await resolvePretrained(REPO, { endpoint: `${hub.url}/`, cacheDir: other });
    expect(dir.startsWith(other)).toBe(true);
  });

  it('quotes the whole revision in the URL and records it under refs/', async () => {
    const dir = await resolvePretrained(REPO, { revision: 'refs/pr/1' });
    expect(dir).toBe(path.join(repoDir(), 'snapshots', PR_COMMIT));
    expect(hub.requests[0]?.rawPath).toBe(`/${REPO}/resolve/refs%2Fpr%2F1/tokenizer.json`);
    expect(readFileSync(path.join(repoDir(), 'refs', 'refs', 'pr', '1'), 'utf8')).toBe(PR_COMMIT);
    // The optional files are fetched at the commit tokenizer.json came from.
    expect(hub.count('HEAD', `/resolve/${PR_COMMIT}/tokenizer_config.json`)).toBe(1);
  });

  it("follows a renamed repo's relative redirect, caching under the name asked for", async () => {
    const dir = await resolvePretrained('old-org/bert');
    expect(dir).toBe(path.join(repoDir('old-org/bert'), 'snapshots', MAIN));
    expect(hub.count('HEAD', '/old-org/bert/resolve/main/tokenizer.json')).toBe(1);
    expect(hub.count('HEAD', `/${REPO}/resolve/main/tokenizer.json`)).toBe(1);
  });
});

describe('not found', () => {
  it('a missing repo, revision or tokenizer.json → HUB_NOT_FOUND', async () => {
    expect(await errorOf(resolvePretrained('ferrotok-test/nope'))).toMatchObject({
      code: 'HUB_NOT_FOUND',
      message: expect.stringMatching(/repository 'ferrotok-test\/nope' was not found/),
    });
    expect(await errorOf(resolvePretrained(REPO, { revision: 'v9' }))).toMatchObject({
      code: 'HUB_NOT_FOUND',
      message: expect.stringMatching(/revision 'v9'/),
    });
    expect(await errorOf(resolvePretrained('ferrotok-test/no-tokenizer'))).toMatchObject({
      code: 'HUB_NOT_FOUND',
      message: expect.stringMatching(/no tokenizer\.json/),
    });
    const commit = fakeCommit('ferrotok-test/no-tokenizer');
    expect(existsSync(path.join(repoDir('ferrotok-test/no-tokenizer'), '.no_exist', commit, 'tokenizer.json'))).toBe(true);
  });
});

describe('bad input', () => {
  const badIds = [
    '../x',
    'a/../../b',
    '..',
    'a/b/c',
    '',
    'a--b',
    '-a',
    'a-',
    '.a',
    'a.',
    'a/.b',
    'a b',
    'a\\b',
    'x.git',
    '/abs',
    'a/',
    'é',
    'x'.repeat(97),
  ];
  const badRevisions = ['../../etc', '..', 'a/../../b', '/etc/passwd', 'a\\b', 'a\0b', '', 'a//b', './a', 'C:x'];

  it.each(badIds)('repo id %j → INVALID_ARGUMENT, no request, nothing written', async (id) => {
    expect(await codeOf(resolvePretrained(id))).toBe('INVALID_ARGUMENT');
    expect(hub.requests).toEqual([]);
    expect(existsSync(cacheDir)).toBe(false);
  });

  it.each(badRevisions)('revision %j → INVALID_ARGUMENT, no request, nothing written', async (revision) => {
    expect(await codeOf(resolvePretrained(REPO, { revision }))).toBe('INVALID_ARGUMENT');
    expect(hub.requests).toEqual([]);
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('bad option values → INVALID_ARGUMENT', async () => {
    const bad: unknown[] = [
      { token: '' },
      { token: true },
      { token: 'hf_\nx' },
      { token: 'hf_é' },
      { cacheDir: 5 },
      { endpoint: 'ftp://x' },
      { endpoint: 'not a url' },
      { localFilesOnly: 'yes' },
      { signal: {} },
      { revision: 5 },
      'main',
    ];
    for (const options of bad) {
      expect(await codeOf(resolvePretrained(REPO, options as never))).toBe('INVALID_ARGUMENT');
    }
    expect(await codeOf(resolvePretrained(5 as never))).toBe('INVALID_ARGUMENT');
    process.env.HF_TOKEN = 'hf_\u0001';
    expect(await codeOf(resolvePretrained(REPO))).toBe('INVALID_ARGUMENT');
    expect(hub.requests).toEqual([]);
  });

  it('refuses a server that does not answer like the Hub (no X-Repo-Commit)', async () => {
    hub.fail('not-hub', '/resolve/main/tokenizer.json');
    const error = await errorOf(resolvePretrained(REPO));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toMatch(/did not answer like a Hugging Face Hub/);
    expect(existsSync(repoDir())).toBe(false);
  });
});

describe('faults', () => {
  it('retries a 500 and succeeds', async () => {
    hub.fail('500', '/resolve/main/tokenizer.json', { method: 'HEAD', times: 1 });
    hub.fail('500', '/cdn/', { method: 'GET', times: 1 });
    await resolvePretrained(REPO);
    expect(hub.count('HEAD', '/resolve/main/tokenizer.json')).toBe(2);
    expect(hub.count('GET', '/cdn/')).toBe(2);
  });

  it('gives up after three 500s with NETWORK_ERROR', async () => {
    hub.fail('500', '/resolve/main/tokenizer.json');
    const error = await errorOf(resolvePretrained(REPO));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toMatch(/after 3 attempts: HTTP 500/);
    expect(hub.count('HEAD')).toBe(3);
  });

  it('an interrupted download leaves no blob, final or partial, and a retry succeeds', async () => {
    hub.fail('drop', '/cdn/', { method: 'GET' });
    expect(await codeOf(resolvePretrained(REPO))).toBe('NETWORK_ERROR');
    expect(hub.count('GET', '/cdn/')).toBe(3);
    expect(existsSync(path.join(repoDir(), 'blobs', TOKENIZER_ETAG))).toBe(false);
    expect(existsSync(path.join(repoDir(), 'snapshots', MAIN, 'tokenizer.json'))).toBe(false);
    expect(leftovers()).toEqual([]);

    hub.reset();
    hub.fail('drop', '/cdn/', { method: 'GET', times: 1 });
    const dir = await resolvePretrained(REPO);
    expect(hub.count('GET', '/cdn/')).toBe(2);
    expect(readFileSync(path.join(dir, 'tokenizer.json'))).toEqual(TOKENIZER);
    expect(leftovers()).toEqual([]);
  });

  it('a body shorter than the announced size is refused', async () => {
    hub.fail('truncate', '/cdn/', { method: 'GET' });
    const error = await errorOf(resolvePretrained(REPO));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toMatch(/received \d+ bytes, expected 711397/);
    expect(existsSync(path.join(repoDir(), 'blobs', TOKENIZER_ETAG))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('a HEAD that never answers times out (HF_HUB_ETAG_TIMEOUT)', async () => {
    process.env.HF_HUB_ETAG_TIMEOUT = '0.2';
    hub.fail('stall', '/resolve/main/tokenizer.json', { method: 'HEAD' });
    const error = await errorOf(resolvePretrained(REPO));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toMatch(/after 3 attempts: no data for 0.2s/);
  });

  it('a download that stalls mid-body is cut off (HF_HUB_DOWNLOAD_TIMEOUT) and retried', async () => {
    process.env.HF_HUB_DOWNLOAD_TIMEOUT = '1';
    hub.fail('stall', '/cdn/', { method: 'GET', times: 1 });
    const dir = await resolvePretrained(REPO);
    expect(hub.count('GET', '/cdn/')).toBe(2);
    expect(readFileSync(path.join(dir, 'tokenizer.json'))).toEqual(TOKENIZER);
    expect(leftovers()).toEqual([]);
  });

  it("the caller's signal aborts with ABORTED, at once and without retries", async () => {
    const before = new AbortController();
    before.abort();
    expect(await codeOf(resolvePretrained(REPO, { signal: before.signal }))).toBe('ABORTED');
    expect(hub.requests).toEqual([]);

    hub.fail('stall', '/cdn/', { method: 'GET' });
    const during = new AbortController();
    let abortedAt = 0;
    const watch = setInterval(() => {
      if (hub.count('GET', '/cdn/') === 0) return; // abort mid-download, whatever the machine's speed
      abortedAt = Date.now();
      during.abort();
      clearInterval(watch);
    }, 5);
    const code = await codeOf(resolvePretrained(REPO, { signal: during.signal }));
    clearInterval(watch);
    expect(code).toBe('ABORTED');
    expect(Date.now() - abortedAt).toBeLessThan(5000); // not the 10 s stall timeout, nor retries
    expect(hub.count('GET', '/cdn/')).toBe(1);
    expect(leftovers()).toEqual([]);
  });
});

describe('integrity: nothing unchecked is committed', () => {
  const blob = (etag: string, repo = REPO): string => path.join(repoDir(repo), 'blobs', etag);
  const snapshotFile = (file: string, repo = REPO): string =>
    path.join(repoDir(repo), 'snapshots', fakeCommit(repo === REPO ? REPO : repo), file);

  /** Nothing of `file` was committed (blob, snapshot, partial files); the next sound download succeeds. */
  async function expectRefusedThenHealed(file: string, etag: string, content: Buffer): Promise<void> {
    expect(existsSync(blob(etag, SIZELESS))).toBe(false);
    expect(existsSync(snapshotFile(file, SIZELESS))).toBe(false);
    expect(leftovers(SIZELESS)).toEqual([]);
    hub.reset();
    const dir = await resolvePretrained(SIZELESS);
    expect(readFileSync(path.join(dir, file))).toEqual(content);
  }

  it('a short body whose Content-Length matches it is refused when the HEAD announced the size', async () => {
    hub.fail('short', '/cdn/', { method: 'GET' });
    const error = await errorOf(resolvePretrained(REPO));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toMatch(/after 3 attempts: received 355698 bytes, expected 711397/);
    expect(existsSync(blob(TOKENIZER_ETAG))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('with no size on the HEAD, the SHA-256 an LFS ETag names refuses a short body; the next call succeeds', async () => {
    hub.fail('short', '/cdn/', { method: 'GET' });
    const error = await errorOf(resolvePretrained(SIZELESS));
    expect(error.code).toBe('HUB_CORRUPT_FILE');
    expect(error.message).toMatch(
      new RegExp(`after 3 attempts: the SHA-256 of the 355698 bytes received is [0-9a-f]{64}, not ${TOKENIZER_ETAG}`),
    );
    await expectRefusedThenHealed('tokenizer.json', TOKENIZER_ETAG, TOKENIZER);
  });

  it('with no size anywhere, a .json file named by a git SHA-1 must parse before it is committed', async () => {
    hub.fail('short', `/resolve/${fakeCommit(SIZELESS)}/tokenizer_config.json`, { method: 'GET' });
    const error = await errorOf(resolvePretrained(SIZELESS));
    expect(error.code).toBe('HUB_CORRUPT_FILE');
    expect(error.message).toMatch(/tokenizer_config\.json failed after 3 attempts: the bytes received are not valid JSON/);
    await expectRefusedThenHealed('tokenizer_config.json', CONFIG_ETAG, CONFIG);
    expect(hub.count('GET', '/cdn/')).toBe(0); // tokenizer.json was sound and stayed
  });

  it('a body of the right size with the wrong SHA-256 is retried, then refused with HUB_CORRUPT_FILE', async () => {
    hub.fail('corrupt', '/cdn/', { method: 'GET', times: 1 });
    const dir = await resolvePretrained(REPO);
    expect(hub.count('GET', '/cdn/')).toBe(2);
    expect(readFileSync(path.join(dir, 'tokenizer.json'))).toEqual(TOKENIZER);

    rmSync(repoDir(), { recursive: true });
    hub.reset();
    hub.fail('corrupt', '/cdn/', { method: 'GET' });
    const error = await errorOf(resolvePretrained(REPO));
    expect(error.code).toBe('HUB_CORRUPT_FILE');
    expect(error.message).toMatch(/the SHA-256 of the 711397 bytes received is/);
    expect(existsSync(blob(TOKENIZER_ETAG))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('maxDownloadBytes: an announced size over it is refused before any GET; it can be raised', async () => {
    const error = await errorOf(resolvePretrained(REPO, { maxDownloadBytes: 100_000 }));
    expect(error.code).toBe('FILE_TOO_LARGE');
    expect(error.message).toMatch(
      /tokenizer\.json of 'ferrotok-test\/bert' is over maxDownloadBytes \(100000 bytes\): the server announced 711397 bytes; pass a larger maxDownloadBytes/,
    );
    expect(hub.count('GET')).toBe(0);
    await resolvePretrained(REPO, { maxDownloadBytes: 711_397 });
    // A cached file over the cap is refused too, offline as well.
    expect(await codeOf(resolvePretrained(REPO, { maxDownloadBytes: 100_000, localFilesOnly: true }))).toBe('FILE_TOO_LARGE');
  });

  it('maxDownloadBytes: an endless body with no size announced is cut off at the cap, not retried, nothing left', async () => {
    hub.fail('endless', '/cdn/', { method: 'GET' });
    const started = Date.now();
    const error = await errorOf(resolvePretrained(SIZELESS, { maxDownloadBytes: 4 << 20 }));
    expect(error.code).toBe('FILE_TOO_LARGE');
    expect(error.message).toMatch(/more than 4194304 bytes arrived/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(hub.count('GET', '/cdn/')).toBe(1);
    expect(leftovers(SIZELESS)).toEqual([]);
  });

  it('a body longer than the announced size is stopped as soon as it runs over', async () => {
    hub.fail('endless', '/cdn/', { method: 'GET' });
    const error = await errorOf(resolvePretrained(REPO));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toMatch(/after 3 attempts: received more than the 711397 bytes announced/);
    expect(leftovers()).toEqual([]);
  });

  it('maxDownloadBytes must be a positive whole number', async () => {
    for (const maxDownloadBytes of [0, -1, 1.5, '1', Number.NaN, 2 ** 53]) {
      expect(await codeOf(resolvePretrained(REPO, { maxDownloadBytes } as never))).toBe('INVALID_ARGUMENT');
    }
    expect(hub.requests).toEqual([]);
  });
});

describe('integrity: stale downloads and a damaged cache', () => {
  it("an online call removes our .incomplete files once stale, never a fresh one nor huggingface_hub's", async () => {
    const blobs = path.join(repoDir(), 'blobs');
    mkdirSync(blobs, { recursive: true });
    const stale = `${TOKENIZER_ETAG}.0123456789abcdef.incomplete`;
    const fresh = `${TOKENIZER_ETAG}.fedcba9876543210.incomplete`; // a live download of another process
    const python = `${TOKENIZER_ETAG}.incomplete`; // Python resumes these, under its own lock
    for (const name of [stale, fresh, python]) writeFileSync(path.join(blobs, name), 'partial');
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(path.join(blobs, stale), hourAgo, hourAgo);
    utimesSync(path.join(blobs, python), hourAgo, hourAgo);
    await resolvePretrained(REPO, { localFilesOnly: false });
    expect(readdirSync(blobs).sort()).toEqual([CONFIG_ETAG, TOKENIZER_ETAG, fresh, python].sort());
  });

  it('a damaged LFS blob: offline, HUB_CORRUPT_FILE says which file and how to fix it; online, it is downloaded again', async () => {
    const dir = await resolvePretrained(REPO);
    const blobPath = path.join(repoDir(), 'blobs', TOKENIZER_ETAG);
    writeFileSync(blobPath, TOKENIZER.subarray(0, 1000)); // e.g. a short body an older version kept
    hub.reset();
    for (const options of [{ localFilesOnly: true }, { localFilesOnly: true, revision: MAIN }]) {
      const error = await errorOf(resolvePretrained(REPO, options));
      expect(error.code).toBe('HUB_CORRUPT_FILE');
      expect(error.message).toContain(`the cached tokenizer.json of '${REPO}' at commit ${MAIN} is damaged: its SHA-256 is`);
      expect(error.message).toMatch(
        /Offline mode is on .* The next fromPretrained call with the network on downloads it again; or delete /,
      );
      expect(error.message).toContain(path.join(dir, 'tokenizer.json'));
    }
    expect(hub.requests).toEqual([]);

    expect(await resolvePretrained(REPO)).toBe(dir);
    expect(hub.count('GET', '/cdn/')).toBe(1);
    expect(readFileSync(path.join(dir, 'tokenizer.json'))).toEqual(TOKENIZER);
    expect(leftovers()).toEqual([]);
    hub.reset();
    expect(await resolvePretrained(REPO)).toBe(dir); // healed: a repeat call downloads nothing
    expect(hub.count('GET')).toBe(0);
  });

  it('a commit-hash revision with a damaged file goes to the Hub once instead of failing forever', async () => {
    const dir = await resolvePretrained(REPO);
    writeFileSync(path.join(repoDir(), 'blobs', TOKENIZER_ETAG), 'not the file');
    hub.reset();
    expect(await resolvePretrained(REPO, { revision: MAIN })).toBe(dir);
    expect(hub.count('GET', '/cdn/')).toBe(1);
    expect(readFileSync(path.join(dir, 'tokenizer.json'))).toEqual(TOKENIZER);
  });

  it('a damaged .json file named by a git SHA-1 heals too (it must parse), also when it is a copy, not a symlink', async () => {
    const dir = await resolvePretrained(REPO);
    const pointer = path.join(dir, 'tokenizer_config.json');
    rmSync(pointer);
    writeFileSync(pointer, CONFIG.subarray(0, 20)); // a copy (no symlinks here) that was cut short
    hub.reset();
    const error = await errorOf(resolvePretrained(REPO, { localFilesOnly: true }));
    expect(error.code).toBe('HUB_CORRUPT_FILE');
    expect(error.message).toMatch(/the cached tokenizer_config\.json .* is damaged: it is not valid JSON/);
    expect(await resolvePretrained(REPO)).toBe(dir);
    expect(readFileSync(pointer)).toEqual(CONFIG);
    expect(hub.count('GET', '/cdn/')).toBe(0); // tokenizer.json was sound and stayed
  });

  it('when the Hub cannot be reached, a damaged cached file is an error that says so', async () => {
    await resolvePretrained(REPO);
    writeFileSync(path.join(repoDir(), 'blobs', TOKENIZER_ETAG), 'not the file');
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const error = await errorOf(resolvePretrained(REPO, { endpoint: dead }));
    expect(error.code).toBe('HUB_CORRUPT_FILE');
    expect(error.message).toMatch(/The Hub could not be reached to download it again/);
  });
});

describe('cache internals', () => {
  it('copies the blob where symlinks are refused', async () => {
    const cache = RepoCache.of(cacheDir, REPO);
    mkdirSync(path.join(cache.root, 'blobs'), { recursive: true });
    writeFileSync(cache.blobPath('abc'), 'content');
    const refuse = async (): Promise<void> => {
      throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
    };
    await cache.link('abc', MAIN, 'tokenizer.json', refuse);
    const pointer = path.join(cache.snapshotDir(MAIN), 'tokenizer.json');
    expect(lstatSync(pointer).isSymbolicLink()).toBe(false);
    expect(readFileSync(pointer, 'utf8')).toBe('content');
    expect(readdirSync(cache.snapshotDir(MAIN))).toEqual(['tokenizer.json']);
  });

  it('ignores a refs file that does not hold a commit hash', async () => {
    const cache = RepoCache.of(cacheDir, REPO);
    mkdirSync(path.join(cache.root, 'refs'), { recursive: true });
    writeFileSync(path.join(cache.root, 'refs', 'main'), '../../../../etc');
    expect(cache.readRef('main')).toBeUndefined();
    expect(await codeOf(resolvePretrained(REPO, { localFilesOnly: true }))).toBe('HUB_NOT_FOUND');
  });
});
