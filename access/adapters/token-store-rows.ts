import { AppError } from '../../src/kernel/index.js';
import { ROLES, type Role } from '../core/permissions.js';
import type { TokenEvent } from '../ports.js';

/**
 * A token event as a table row, the same in every engine: one table for both
 * kinds, keyed on (ts, token_id, kind). `ts` is the event's instant (the
 * creation or the revocation), `actor` who made it (createdBy, by); the token's
 * fields are filled on `created` rows only. The secret itself never reaches a
 * row: only its SHA-256, which is all `checkToken` needs.
 */
export interface TokenEventRow {
  readonly atMs: number;
  readonly tokenId: string;
  readonly kind: string;
  readonly actor: string;
  readonly name: string | null;
  readonly role: string | null;
  readonly scopeOrgId: string | null;
  readonly secretSha256: string | null;
  readonly expiresAtMs: number | null;
}

export function toTokenRow(event: TokenEvent): TokenEventRow {
  if (event.kind === 'revoked') {
    const none = { name: null, role: null, scopeOrgId: null, secretSha256: null, expiresAtMs: null };
    return { atMs: event.atMs, tokenId: event.tokenId, kind: 'revoked', actor: event.by, ...none };
  }
  const t = event.token;
  return {
    atMs: t.createdAtMs,
    tokenId: t.id,
    kind: 'created',
    actor: t.createdBy,
    name: t.name,
    role: t.role,
    scopeOrgId: t.scopeOrgId,
    secretSha256: t.secretSha256,
    expiresAtMs: t.expiresAtMs,
  };
}

export function fromTokenRow(row: TokenEventRow): TokenEvent {
  if (row.kind === 'revoked') return { kind: 'revoked', tokenId: row.tokenId, atMs: row.atMs, by: row.actor };
  if (row.kind !== 'created') throw unreadable(row, `an unknown kind ${row.kind}`);
  const { name, role, scopeOrgId, secretSha256, expiresAtMs } = row;
  if (name === null || scopeOrgId === null || secretSha256 === null || expiresAtMs === null) {
    throw unreadable(row, 'a creation without its token fields');
  }
  if (role === null || !(ROLES as readonly string[]).includes(role)) throw unreadable(row, `an unknown role ${role}`);
  return {
    kind: 'created',
    token: {
      id: row.tokenId,
      name,
      role: role as Role,
      scopeOrgId,
      secretSha256,
      createdAtMs: row.atMs,
      expiresAtMs,
      createdBy: row.actor,
    },
  };
}

/** The events in the same order from every engine: (atMs, tokenId, kind), so a creation precedes its revocation. */
export function byTokenEventOrder(a: TokenEventRow, b: TokenEventRow): number {
  return a.atMs - b.atMs || compare(a.tokenId, b.tokenId) || compare(a.kind, b.kind);
}

/** A table name under a prefix (tests sharing one QuestDB); refused unless a plain identifier. */
export function tokensTable(prefix: string): string {
  if (!/^[A-Za-z0-9_]*$/.test(prefix)) throw new Error(`tablePrefix must match [A-Za-z0-9_]*: ${prefix}`);
  return `${prefix}access_tokens`;
}

export function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function unreadable(row: TokenEventRow, what: string): AppError {
  return new AppError('STORE_QUERY_FAILED', `token event of ${row.tokenId} holds ${what}`);
}
