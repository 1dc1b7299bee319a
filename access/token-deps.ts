import type { AuditLog, TokenStore } from './ports.js';

/** What the token use cases need; the CLI and the HTTP routes pass the same. */
export interface TokenUseCaseDeps {
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
  readonly nowMs: () => number;
  /**
   * Whether a grant may be scoped to this id: the fleet root (FLEET_ROOT) or an
   * org unit or institution of the fleet (`isGrantScope` over the fleet's org tree).
   */
  readonly isKnownScope: (orgId: string) => boolean;
}
