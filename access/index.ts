/** The access capability: roles and permissions, tokens, the policy over the org tree, the audit log. */
export { ROLES, PERMISSIONS, ROLE_PERMISSIONS, type Role, type Permission } from './core/permissions.js';
export type { Principal } from './core/principal.js';
export type * from './ports.js';
