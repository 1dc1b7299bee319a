import { tokenStates, type TokenStatus } from './core/token-state.js';
import type { TokenUseCaseDeps } from './token-deps.js';

export type ListTokens = () => Promise<TokenStatus[]>;

/** Every token as its events leave it (created, revoked), oldest first; the stored hash is the only secret part. */
export function listTokens(deps: Pick<TokenUseCaseDeps, 'tokens'>): ListTokens {
  return async () =>
    [...tokenStates(await deps.tokens.events()).values()].sort(
      (a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : 1),
    );
}
