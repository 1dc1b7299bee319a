import { AppError, DAY_MS } from '../src/kernel/index.js';
import { FLEET_ROOT } from './core/org-tree.js';
import { parseToken, secretMatches, secretSha256 } from './core/token-secret.js';
import { tokenStates } from './core/token-state.js';
import { createdEntry, createToken, MAX_TOKEN_DAYS, type CreatedToken } from './create-token.js';
import type { StoredToken } from './ports.js';
import type { TokenUseCaseDeps } from './token-deps.js';

/**
 * Makes sure the administrator token given in TANHE_BOOTSTRAP_ADMIN_TOKEN exists
 * over the whole fleet (for operators, and for the test harness): created on the
 * first start, left as it is on the next ones (idempotent; a revoked one stays
 * revoked). CONFIG_INVALID when the text is not a token of our form, or its id
 * is already taken by a token with another secret.
 */
export async function ensureBootstrapToken(deps: TokenUseCaseDeps, text: string): Promise<'created' | 'present'> {
  const presented = parseToken(text);
  if (presented === undefined) {
    throw new AppError(
      'CONFIG_INVALID',
      'TANHE_BOOTSTRAP_ADMIN_TOKEN is not a token of the form tnh_<16 hex>_<43 b64url>',
    );
  }
  const existing = tokenStates(await deps.tokens.events()).get(presented.id);
  if (existing !== undefined) {
    if (!secretMatches(presented.secret, existing.secretSha256)) {
      throw new AppError('CONFIG_INVALID', `TANHE_BOOTSTRAP_ADMIN_TOKEN: token id ${presented.id} has another secret`);
    }
    return 'present';
  }
  const nowMs = deps.nowMs();
  const token: StoredToken = {
    id: presented.id,
    name: 'bootstrap-admin',
    role: 'administrator',
    scopeOrgId: FLEET_ROOT,
    secretSha256: secretSha256(presented.secret),
    createdAtMs: nowMs,
    expiresAtMs: nowMs + MAX_TOKEN_DAYS * DAY_MS,
    createdBy: 'bootstrap',
  };
  await deps.tokens.append({ kind: 'created', token });
  await deps.audit.append([createdEntry(token)]);
  return 'created';
}

/**
 * The first-run demo's administrator token: created only when the token store is
 * empty (so a restart does not mint another), valid 30 days. The caller prints
 * the secret once; undefined when tokens exist already.
 */
export async function ensureDemoToken(deps: TokenUseCaseDeps): Promise<CreatedToken | undefined> {
  if ((await deps.tokens.events()).length > 0) return undefined;
  return createToken(deps)({
    name: 'demo-admin',
    role: 'administrator',
    scopeOrgId: FLEET_ROOT,
    expiresInDays: 30,
    createdBy: 'demo',
  });
}
