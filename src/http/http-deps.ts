import type { Registry } from 'prom-client';
import type {
  AccessSettings,
  Authenticate,
  CreateToken,
  ListAudit,
  ListTokens,
  OrgTree,
  RecordAudit,
  RevokeToken,
} from '../../access/index.js';
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
  Alert,
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
import type { ReviewPeriod, ReviewStatusList } from '../../periods/index.js';
import type {
  ClosePeriod,
  ClosedStatusQuery,
  MeterDayProofQuery,
  RevisePeriod,
  StoredRevision,
  VerifyPeriod,
} from '../../periods/index.js';

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
  /** The review up the tree: submit, approve, return, and the status across a subtree (periods). */
  readonly periodsReview: PeriodsReviewUseCases;
  /** Who the caller is and what it may do: authentication, the org tree, the audit log, the tokens (docs/access.md). */
  readonly access: AccessHttpDeps;
  /** Closed periods: close, revise, the stored revisions, verify, proofs, the public key (periods/index.ts). */
  readonly periods: PeriodsUseCases;
  /** HTML to an A4 PDF (src/platform/browser): the carbon report's format=pdf. */
  readonly renderPdf: RenderPdf;
}

/** Access control's part of the HTTP layer (src/wire-access.ts builds it). */
export interface AccessHttpDeps {
  readonly authenticate: Authenticate;
  readonly tree: OrgTree;
  readonly recordAudit: RecordAudit;
  readonly listAudit: ListAudit;
  readonly createToken: CreateToken;
  readonly revokeToken: RevokeToken;
  readonly listTokens: ListTokens;
  readonly settings: Pick<AccessSettings, 'rateLimit' | 'bodyLimitBytes'> & {
    /** When set, /metrics needs this bearer secret (TANHE_METRICS_TOKEN); else it is open. */
    readonly metricsToken?: string | undefined;
  };
  readonly nowMs: () => number;
}

/** The periods capability's use cases, as the periods plugin and the open report read them. */
export interface PeriodsUseCases {
  readonly close: ClosePeriod;
  readonly revise: RevisePeriod;
  readonly revisions: (orgId: string, period: string) => Promise<readonly StoredRevision[]>;
  readonly revision: (orgId: string, period: string, revision: number) => Promise<StoredRevision | undefined>;
  readonly verify: VerifyPeriod;
  readonly proof: MeterDayProofQuery;
  /** The open report's `closed` field: the last revision and whether the data moved since. */
  readonly closedStatus: ClosedStatusQuery;
  readonly publicKey: { readonly keyId: string; readonly pem: string };
  /** Keys retired from signing that verify still trusts, newest rotation last. */
  readonly retiredPublicKeys: readonly { readonly keyId: string; readonly pem: string }[];
}

/** Renders an HTML document as PDF; AppError PDF_RENDERER_UNAVAILABLE (503) when no browser can. */
export type RenderPdf = (html: string, options?: { readonly footer?: string }) => Promise<Buffer>;

/** Meter health as of an instant: one meter (its route), or many in one pass (the list route). */
export interface MeterHealthCheck {
  evaluateMeter(meterId: string, asOfMs: number): Promise<readonly RuleFinding[]>;
  evaluateMeters(meterIds: readonly string[], asOfMs: number): Promise<ReadonlyMap<string, readonly RuleFinding[]>>;
}

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
  /** One alert by id (ALERT_NOT_FOUND): the auth plugin reads its subject to check the caller's scope. */
  readonly get: (alertId: string) => Promise<Alert>;
  readonly acknowledge: AcknowledgeAlert;
  readonly resolve: ResolveAlert;
  readonly backtest: Backtest;
}

/** The review up the tree (periods/review-period.ts, periods/review-status.ts). */
export interface PeriodsReviewUseCases {
  readonly review: ReviewPeriod;
  readonly status: ReviewStatusList;
}
