import { AppError } from '../src/kernel/index.js';
import { tokenStates, type TokenStatus } from './core/token-state.js';
import type { TokenUseCaseDeps } from './token-deps.js';

export interface RevokeTokenRequest {
  readonly tokenId: string;
  /** Who revokes it, for the audit log. */
  readonly by: string;
}

export type RevokeToken = (request: RevokeTokenRequest) => Promise<TokenStatus>;

/**
 * Revokes a token from now on: one appended event (the token row is never
 * changed). TOKEN_NOT_FOUND, TOKEN_ALREADY_REVOKED; audited as token.revoke.
 * Running services see it at their next token-cache refresh (access/authenticate.ts).
 */
export function revokeToken(deps: TokenUseCaseDeps): RevokeToken {
  return async ({ tokenId, by }) => {
    const before = tokenStates(await deps.tokens.events()).get(tokenId);
    if (before === undefined) throw new AppError('TOKEN_NOT_FOUND', `no token ${tokenId}`);
    if (before.revokedAtMs !== undefined) {
      throw new AppError('TOKEN_ALREADY_REVOKED', `token ${tokenId} was revoked by ${before.revokedBy ?? '?'}`);
    }
    const atMs = deps.nowMs();
    await deps.tokens.append({ kind: 'revoked', tokenId, atMs, by });
    await deps.audit.append([
      { atMs, actor: by, action: 'token.revoke', target: tokenId, outcome: 'ok', detail: { name: before.name } },
    ]);
    return { ...before, revokedAtMs: atMs, revokedBy: by };
  };
}
