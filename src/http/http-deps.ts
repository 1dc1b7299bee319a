import type { Registry } from 'prom-client';
import type {
  CarbonReportQuery,
  CarbonReportRun,
  ConsumptionQuery,
  ConsumptionSeries,
  HeldReading,
  HeldReadingsQuery,
} from '../../accounting/index.js';
import type {
  AcknowledgeAlert,
  Backtest,
  ListAlerts,
  MeterBaselineQuery,
  QuotaProgressQuery,
  QuotaProgressReport,
  ResolveAlert,
  RuleFinding,
} from '../../alerts/index.js';
import type { FleetRegistry } from '../../config/index.js';
import type { StoredReadings } from '../../ingest/index.js';

export interface Readiness {
  readonly ready: boolean;
  readonly broker: { readonly connected: boolean };
  readonly store: { readonly reachable: boolean; readonly writing: boolean };
  readonly spool: { readonly backlogBytes: number; readonly backlogRecords: number; readonly full: boolean };
}

/** What the meters plugin reads: raw readings, quarantined payloads and per-meter summaries. */
export type MeterReads = Pick<StoredReadings, 'readings' | 'quarantine' | 'conflicts' | 'meterSummaries'>;

/**
 * What the HTTP layer needs from the running service. Every member is required:
 * each plugin gets its part, so no route exists only sometimes.
 */
export interface HttpDeps {
  readonly store: MeterReads;
  readonly fleet: FleetRegistry;
  readonly metrics: Registry;
  readonly readiness: () => Promise<Readiness>;
  readonly nowMs: () => number;
  readonly accounting: AccountingUseCases;
  readonly alerts: AlertsUseCases;
  /** Every meter-health rule's finding for one meter as of an instant (alerts' createMeterHealthRules). */
  readonly meterHealth: MeterHealthCheck;
  /** GET /api/v1/quotas: the quota rules' progress (alerts/quota-rules.ts). */
  readonly quotas: QuotaProgressUseCase;
  /** A meter's learned baseline and the baseline rules' verdicts as of an instant (alerts). */
  readonly baseline: MeterBaselineQuery;
  /** HTML to an A4 PDF (src/platform/browser): the carbon report's format=pdf. */
  readonly renderPdf: RenderPdf;
}

/** Renders an HTML document as PDF; AppError PDF_RENDERER_UNAVAILABLE (503) when no browser can. */
export type RenderPdf = (html: string, options?: { readonly footer?: string }) => Promise<Buffer>;

export type MeterHealthCheck = (meterId: string, asOfMs: number) => Promise<readonly RuleFinding[]>;

/** The progress and projection of every quota in an org subtree for a year, as of an instant. */
export type QuotaProgressUseCase = (query: QuotaProgressQuery) => Promise<QuotaProgressReport>;

export interface AccountingUseCases {
  readonly consumption: (query: ConsumptionQuery) => Promise<ConsumptionSeries>;
  readonly carbonReport: (query: CarbonReportQuery) => Promise<CarbonReportRun>;
  /** The readings of one meter held for review, for the readings route's flag. */
  readonly heldReadings: (query: HeldReadingsQuery) => Promise<readonly HeldReading[]>;
}

/** The alerts' use cases (alerts/index.ts): the list, a person's actions, the backtest. */
export interface AlertsUseCases {
  readonly list: ListAlerts;
  readonly acknowledge: AcknowledgeAlert;
  readonly resolve: ResolveAlert;
  readonly backtest: Backtest;
}
