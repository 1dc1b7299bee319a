/** The access capability: roles and permissions, tokens, the policy over the org tree, the audit log. */
export { ROLES, PERMISSIONS, ROLE_PERMISSIONS, type Role, type Permission } from './core/permissions.js';
export type { Principal } from './core/principal.js';
export type * from './ports.js';
export { formatToken, parseToken, secretMatches, secretSha256, type PresentedToken } from './core/token-secret.js';
export { checkToken, tokenStates, type TokenCheck, type TokenStatus } from './core/token-state.js';
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
