import type { Role } from './core/permissions.js';
import type { StoredToken, TokenEvent } from './core/token-types.js';

export type { StoredToken, TokenEvent };

/**
 * What access control keeps: API tokens and the audit log, both append-only
 * (a revocation is an event; the current state is derived), one adapter per
 * engine in access/adapters, each held to a contract suite.
 */

export interface TokenStore {
  /** Creates the table if missing. Safe on every start. */
  init(): Promise<void>;
  /** Resolves once durable and visible to `events`. */
  append(event: TokenEvent): Promise<void>;
  /** Every event, oldest first (a fleet has tens of tokens, not millions). */
  events(): Promise<TokenEvent[]>;
}

/** One line of the audit log: who did what, to what, with what outcome. */
export interface AuditEntry {
  readonly atMs: number;
  /** The principal's subject, or "anonymous" for a refused request. */
  readonly actor: string;
  readonly role?: Role;
  /** e.g. "token.use", "token.create", "alert.acknowledge", "period.close", "period.revise", "http.denied". */
  readonly action: string;
  /** What it acted on: an alert id, "org/period", a token id, a route. */
  readonly target: string;
  /** "ok", or the error code that refused it. */
  readonly outcome: string;
  /** Free details (justification, digest, revision): stored as JSON. */
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface AuditQuery {
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly actor?: string;
  readonly action?: string;
  readonly limit: number;
}

export interface AuditLog {
  init(): Promise<void>;
  append(entries: readonly AuditEntry[]): Promise<void>;
  /** Oldest first within [fromMs, toMs). */
  entries(query: AuditQuery): Promise<AuditEntry[]>;
}
