import type { Registry } from 'prom-client';
import type { FleetRegistry } from '../../config/index.js';
import type { ReadingStore } from '../platform/store/reading-store.js';

export interface Readiness {
  readonly ready: boolean;
  readonly broker: { readonly connected: boolean };
  readonly store: { readonly reachable: boolean; readonly writing: boolean };
  readonly spool: { readonly backlogBytes: number; readonly backlogRecords: number; readonly full: boolean };
}

/** What the HTTP layer needs from the running service. */
export interface HttpDeps {
  readonly store: ReadingStore;
  readonly fleet: FleetRegistry;
  readonly metrics: Registry;
  readonly readiness: () => Promise<Readiness>;
  readonly nowMs: () => number;
}
