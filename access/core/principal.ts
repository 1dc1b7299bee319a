import type { Role } from './permissions.js';

/**
 * The caller a request acts for, after authentication: one role over one org
 * subtree (an org unit or institution id, or the fleet's root).
 */
export interface Principal {
  /** Who: the token's name, or the JWT's subject. Written to the audit log. */
  readonly subject: string;
  readonly role: Role;
  /** The root of the subtree the grant covers. */
  readonly scopeOrgId: string;
  readonly via: 'token' | 'jwt';
  /** The token's id (never its secret), when via = token. */
  readonly tokenId?: string;
}
