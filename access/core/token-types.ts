import type { Role } from './permissions.js';

/* The token records the core derives states from; access/ports.ts re-exports them for the TokenStore port. */

/** An API token as stored: the secret only as its SHA-256 hash. */
export interface StoredToken {
  readonly id: string;
  /** A human label, e.g. "county-auditor"; the principal's subject. */
  readonly name: string;
  readonly role: Role;
  readonly scopeOrgId: string;
  /** Hex SHA-256 of the secret; the secret itself is shown once, at creation. */
  readonly secretSha256: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly createdBy: string;
}

export type TokenEvent =
  | { readonly kind: 'created'; readonly token: StoredToken }
  | { readonly kind: 'revoked'; readonly tokenId: string; readonly atMs: number; readonly by: string };
