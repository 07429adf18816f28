/**
 * A Hub answer that is not the file, as a TokenizerError that says what to do about it.
 * The Hub explains itself in `X-Error-Code` (RepoNotFound, RevisionNotFound, EntryNotFound,
 * GatedRepo) and `X-Error-Message`; both go into the message, the code follows the status.
 */
import { TokenizerError } from '../errors';

/** What was being fetched, for messages. */
export interface Target {
  endpoint: string;
  repoId: string;
  revision: string;
  file: string;
}

export function hubErrorCode(res: Response): string | undefined {
  return res.headers.get('x-error-code') ?? undefined;
}

export function statusError(res: Response, target: Target, tokenSent: boolean): TokenizerError {
  if (res.status === 404) return new TokenizerError('HUB_NOT_FOUND', notFoundMessage(res, target));
  if (res.status === 401 || res.status === 403) {
    return new TokenizerError('HUB_UNAUTHORIZED', unauthorizedMessage(res, target, tokenSent));
  }
  return new TokenizerError(
    'NETWORK_ERROR',
    `${target.endpoint} answered HTTP ${res.status} for ${target.file} of '${target.repoId}'${hubSays(res)}`,
  );
}

function notFoundMessage(res: Response, { endpoint, repoId, revision, file }: Target): string {
  switch (hubErrorCode(res)) {
    case 'RepoNotFound':
      return `repository '${repoId}' was not found on ${endpoint}${hubSays(res)}`;
    case 'RevisionNotFound':
      return `revision '${revision}' was not found in '${repoId}' on ${endpoint}${hubSays(res)}`;
    default:
      return `'${repoId}' has no ${file} at revision '${revision}' on ${endpoint}${hubSays(res)}`;
  }
}

function unauthorizedMessage(res: Response, { endpoint, repoId }: Target, tokenSent: boolean): string {
  const why = tokenSent ? 'the token sent does not grant access' : 'no token was sent';
  return (
    `${endpoint} refused access to '${repoId}' (HTTP ${res.status}${hubSays(res)}): the repo is gated or private ` +
    `(or does not exist), and ${why}. Pass \`token\` to fromPretrained or set HF_TOKEN (or run \`huggingface-cli login\`) ` +
    `with a token that can read it; a gated repo also needs its access conditions accepted on the website, at ${endpoint}/${repoId}.`
  );
}

function hubSays(res: Response): string {
  const message = res.headers.get('x-error-message');
  return message === null || message === '' ? '' : `: ${message.slice(0, 300)}`;
}
