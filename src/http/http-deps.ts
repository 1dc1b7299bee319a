import type { Registry } from 'prom-client';
import type { CarbonReportQuery, CarbonReportRun, ConsumptionQuery, ConsumptionSeries } from '../../accounting/index.js';
import type { FleetRegistry } from '../../config/index.js';
import type { ReadingStore } from '../platform/store/index.js';

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
  /** Consumption series and carbon reports; their routes exist only when given. */
  readonly accounting?: AccountingUseCases;
}

export interface AccountingUseCases {
  readonly consumption: (query: ConsumptionQuery) => Promise<ConsumptionSeries>;
  readonly carbonReport: (query: CarbonReportQuery) => Promise<CarbonReportRun>;
}
