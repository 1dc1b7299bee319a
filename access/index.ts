/** The access capability: roles and permissions, tokens, the policy over the org tree, the audit log. */
export { ROLES, PERMISSIONS, ROLE_PERMISSIONS, type Role, type Permission } from './core/permissions.js';
export type { Principal } from './core/principal.js';
export type * from './ports.js';
export { formatToken, parseToken, secretMatches, secretSha256, type PresentedToken } from './core/token-secret.js';
export { checkToken, tokenStates, type TokenCheck, type TokenStatus } from './core/token-state.js';
export { createOrgTree, FLEET_ROOT, type FleetShape, type OrgTree } from './core/org-tree.js';
export { covers, decideAccess, isGrantScope, type AccessDecision, type PolicyTarget } from './core/access-policy.js';
export type { TokenUseCaseDeps } from './token-deps.js';
export {
  createToken,
  MAX_TOKEN_DAYS,
  type CreatedToken,
  type CreateToken,
  type CreateTokenRequest,
} from './create-token.js';
export { revokeToken, type RevokeToken, type RevokeTokenRequest } from './revoke-token.js';
export { listTokens, type ListTokens } from './list-tokens.js';
export { createRecordAudit, type RecordAudit } from './record-audit.js';
export { createListAudit, type ListAudit } from './list-audit.js';
export { createMemoryTokenStore } from './adapters/memory-token-store.js';
export { createMemoryAuditLog } from './adapters/memory-audit-log.js';
export {
  ACCESS_CONFIG,
  accessSettingsSchema,
  JWT_ALGORITHMS,
  jwtSettingsSchema,
  type AccessSettings,
  type JwtSettings,
} from './access-settings.js';
export { createAuthenticate, type Authenticate, type AuthenticateDeps } from './authenticate.js';
export { ensureBootstrapToken, ensureDemoToken } from './bootstrap-token.js';
export { createDuckDbTokenStore } from './adapters/duckdb-token-store.js';
export {
  createQuestDbTokenStore,
  type QuestDbTokenStore,
  type QuestDbTokenStoreOptions,
} from './adapters/questdb-token-store.js';
export { createDuckDbAuditLog } from './adapters/duckdb-audit-log.js';
export {
  createQuestDbAuditLog,
  type QuestDbAuditLog,
  type QuestDbAuditLogOptions,
} from './adapters/questdb-audit-log.js';
