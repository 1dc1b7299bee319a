/** The access capability: roles and permissions, tokens, the policy over the org tree, the audit log. */
export { ROLES, PERMISSIONS, ROLE_PERMISSIONS, type Role, type Permission } from './core/permissions.js';
export type { Principal } from './core/principal.js';
export type * from './ports.js';
export { formatToken, parseToken, secretMatches, secretSha256, type PresentedToken } from './core/token-secret.js';
export { checkToken, tokenStates, type TokenCheck, type TokenStatus } from './core/token-state.js';
