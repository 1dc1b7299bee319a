import { randomBytes } from 'node:crypto';
import {
  formatToken,
  ROLES,
  secretSha256,
  tokenStates,
  type AuditLog,
  type Role,
  type StoredToken,
  type TokenStatus,
  type TokenStore,
} from '../../access/index.js';
import { AppError, DAY_MS } from '../kernel/index.js';

/**
 * Stand-ins for access's token use cases (create-token.ts, revoke-token.ts,
 * list-tokens.ts, written beside the auth plugin for issue 9), with their shape:
 * `createToken(deps)(request)`, `revokeToken(deps)({ tokenId, by })`,
 * `listTokens(deps)()`. The tokens command calls these until access exports its
 * own; the switch is an import line in tokens-command.ts and command-line.ts, and
 * this file goes (issue 9).
 */
export interface TokenUseCaseDeps {
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
  readonly nowMs: () => number;
  /** Whether a grant may be scoped to this id: the fleet root or an org unit or institution of the fleet. */
  readonly isKnownScope: (orgId: string) => boolean;
}

/** The grant scope that covers the whole fleet, whatever its top-level orgs. */
export const FLEET_ROOT = '*';
/** Longest lifetime of a token: ten years (a token is revoked, not left to expire, when it goes). */
export const MAX_TOKEN_DAYS = 3650;

export interface CreateTokenRequest {
  readonly name: string;
  readonly role: Role;
  readonly scopeOrgId: string;
  readonly expiresInDays: number;
  readonly createdBy: string;
}

export interface CreatedToken {
  readonly token: StoredToken;
  /** The full `tnh_<id>_<secret>` text: shown once, never stored. */
  readonly secret: string;
}

/** A new token (8 random bytes of id, 32 of secret), only the secret's SHA-256 stored; audited as token.create. */
export function createToken(deps: TokenUseCaseDeps) {
  return async (request: CreateTokenRequest): Promise<CreatedToken> => {
    const problems = requestProblems(request, deps.isKnownScope);
    if (problems.length > 0) throw new AppError('BAD_REQUEST', problems.join('; '), { details: { problems } });
    const id = randomBytes(8).toString('hex');
    const secretPart = randomBytes(32).toString('base64url');
    const nowMs = deps.nowMs();
    const token: StoredToken = {
      id,
      name: request.name.trim(),
      role: request.role,
      scopeOrgId: request.scopeOrgId,
      secretSha256: secretSha256(secretPart),
      createdAtMs: nowMs,
      expiresAtMs: nowMs + request.expiresInDays * DAY_MS,
      createdBy: request.createdBy,
    };
    await deps.tokens.append({ kind: 'created', token });
    const detail = { name: token.name, role: token.role, scopeOrgId: token.scopeOrgId, expiresAtMs: token.expiresAtMs };
    await deps.audit.append([
      { atMs: nowMs, actor: token.createdBy, action: 'token.create', target: id, outcome: 'ok', detail },
    ]);
    return { token, secret: formatToken(id, secretPart) };
  };
}

/** Revokes a token from now on (one appended event); audited as token.revoke. */
export function revokeToken(deps: TokenUseCaseDeps) {
  return async ({ tokenId, by }: { readonly tokenId: string; readonly by: string }): Promise<TokenStatus> => {
    const before = tokenStates(await deps.tokens.events()).get(tokenId);
    if (before === undefined) throw new AppError('BAD_REQUEST', `no token ${tokenId}`);
    if (before.revokedAtMs !== undefined) {
      throw new AppError('BAD_REQUEST', `token ${tokenId} was revoked by ${before.revokedBy ?? '?'}`);
    }
    const atMs = deps.nowMs();
    await deps.tokens.append({ kind: 'revoked', tokenId, atMs, by });
    await deps.audit.append([
      { atMs, actor: by, action: 'token.revoke', target: tokenId, outcome: 'ok', detail: { name: before.name } },
    ]);
    return { ...before, revokedAtMs: atMs, revokedBy: by };
  };
}

/** Every token as its events leave it, oldest first. */
export function listTokens(deps: Pick<TokenUseCaseDeps, 'tokens'>) {
  return async (): Promise<TokenStatus[]> =>
    [...tokenStates(await deps.tokens.events()).values()].sort(
      (a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : 1),
    );
}

function requestProblems(request: CreateTokenRequest, isKnownScope: (orgId: string) => boolean): string[] {
  const problems: string[] = [];
  if (request.name.trim() === '' || request.name.length > 200) problems.push('name must be 1 to 200 characters');
  if (!(ROLES as readonly string[]).includes(request.role)) problems.push(`role must be one of ${ROLES.join(', ')}`);
  if (!isKnownScope(request.scopeOrgId)) problems.push(`scope ${request.scopeOrgId} is not the fleet root or an org`);
  const days = request.expiresInDays;
  if (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS) {
    problems.push(`expiresInDays must be a whole number from 1 to ${MAX_TOKEN_DAYS}`);
  }
  if (request.createdBy.trim() === '') problems.push('createdBy is required');
  return problems;
}
