import { randomBytes } from 'node:crypto';
import { AppError, DAY_MS } from '../src/kernel/index.js';
import { ROLES, type Role } from './core/permissions.js';
import { formatToken, secretSha256 } from './core/token-secret.js';
import type { StoredToken } from './ports.js';
import type { TokenUseCaseDeps } from './token-deps.js';

export interface CreateTokenRequest {
  readonly name: string;
  readonly role: Role;
  readonly scopeOrgId: string;
  readonly expiresInDays: number;
  /** Who creates it (a principal's subject, or "cli:<user>"), for the audit log. */
  readonly createdBy: string;
}

export interface CreatedToken {
  readonly token: StoredToken;
  /** The full `tnh_<id>_<secret>` text: shown once, never stored. */
  readonly secret: string;
}

export type CreateToken = (request: CreateTokenRequest) => Promise<CreatedToken>;

/** Longest lifetime of a token: ten years (a token is revoked, not left to expire, when it goes). */
export const MAX_TOKEN_DAYS = 3650;

/**
 * A new API token: 8 random bytes of id, 32 of secret (node:crypto), only the
 * secret's SHA-256 stored. BAD_TOKEN_REQUEST lists every wrong field. Recorded
 * in the audit log as token.create (who, for whom, which role and scope; never the secret).
 */
export function createToken(deps: TokenUseCaseDeps): CreateToken {
  return async (request) => {
    const problems = tokenRequestProblems(request, deps.isKnownScope);
    if (problems.length > 0) {
      throw new AppError('BAD_TOKEN_REQUEST', problems.join('; '), { details: { problems } });
    }
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
    await deps.audit.append([createdEntry(token)]);
    return { token, secret: formatToken(id, secretPart) };
  };
}

export function createdEntry(token: StoredToken) {
  return {
    atMs: token.createdAtMs,
    actor: token.createdBy,
    action: 'token.create',
    target: token.id,
    outcome: 'ok',
    detail: { name: token.name, role: token.role, scopeOrgId: token.scopeOrgId, expiresAtMs: token.expiresAtMs },
  };
}

function tokenRequestProblems(request: CreateTokenRequest, isKnownScope: (orgId: string) => boolean): string[] {
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
