import type { InjectOptions } from 'fastify';
import { Registry } from 'prom-client';
import {
  accessSettingsSchema,
  createMemoryAuditLog,
  createMemoryTokenStore,
  FLEET_ROOT,
  type AuditLog,
  type Role,
  type TokenStore,
} from '../../access/index.js';
import {
  createCarbonReportQuery,
  createDuckDbAccountingStore,
  createFleetView,
  createHeldReadingsQuery,
  createMeterConsumption,
  METHODOLOGY_VERSION,
} from '../../accounting/index.js';
import {
  alertSettingsSchema,
  baselineSettingsSchema,
  createAcknowledgeAlert,
  createBacktest,
  createDuckDbAlertEventStore,
  createListAlerts,
  readAlert,
  createMeterBaselineQuery,
  createMeterHealthRules,
  createQuotaRules,
  createResolveAlert,
  createRunChecks,
  healthSettingsSchema,
  lifecycleSettingsSchema,
  type AlertEventStore,
  type BaselineSettings,
  type RuleFamily,
  type RunChecks,
} from '../../alerts/index.js';
import { createFleetRegistry, readFactorCatalogue, type Fleet } from '../../config/index.js';
import { createDuckDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import { createDuckDbReviewStore, type ClosedRevisions, type ReviewStore } from '../../periods/index.js';
import { wirePeriodsReview } from '../../src/wire-periods-review.js';
import type { AccountingUseCases, AlertsUseCases, Readiness } from '../../src/http/http-deps.js';
import { createHttpServer } from '../../src/http/server.js';
import { createPdfRenderer } from '../../src/platform/browser/index.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { createLogger } from '../../src/platform/logger.js';
import { wireAccess, type AccessWiring } from '../../src/wire-access.js';

/** The administrator token over the whole fleet that every test app holds (and inject adds). */
export const TEST_ADMIN_TOKEN = `tnh_00000000000000ad_${'A'.repeat(43)}`;
// Periods (issue 9 §3, §4): the closed revisions in the same DuckDB, wired by src/wire-periods.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbPeriodStore, periodSettingsSchema, type PeriodStore } from '../../periods/index.js';
import type { PeriodsUseCases } from '../../src/http/http-deps.js';
import type { DuckDbClient } from '../../src/platform/duckdb/index.js';
import { wirePeriods } from '../../src/wire-periods.js';

export interface TestHttpApp {
  readonly app: ReturnType<typeof createHttpServer>;
  /** Ingest's side of the in-memory DuckDB: write the test's readings here. */
  readonly store: ReadingStore;
  readonly accounting: AccountingUseCases;
  /** Alerts' event log in the same DuckDB, and one evaluation of the given rule families into it. */
  readonly alertEvents: AlertEventStore;
  readonly runChecks: RunChecks;
  /** The review up the tree's steps in the same DuckDB. */
  readonly reviews: ReviewStore;
  /** Access' stores (in memory) and use cases. */
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
  readonly access: AccessWiring;
  /** A new API token for a role over a subtree (FLEET_ROOT: the whole fleet); its full `tnh_…` text. */
  mintToken(role: Role, scopeOrgId?: string, expiresInDays?: number): Promise<string>;
  /** Periods: the use cases, their store, and the DuckDB client itself (tests tamper with rows through it). */
  readonly periods: PeriodsUseCases;
  readonly periodStore: PeriodStore;
  readonly duckdb: DuckDbClient;
  /** Where the test's signing key was generated (a temp dir removed on close). */
  readonly signingKeyPath: string;
  close(): Promise<void>;
}

/**
 * The HTTP server over a real in-memory DuckDB store, wired as src/app.ts wires it
 * (ingest's reading store, accounting's use cases over its own adapter), at a fixed
 * clock, for fastify's inject.
 */
export async function createTestHttpApp(options: {
  readonly fleet: Fleet;
  readonly nowMs: number;
  /** What /readyz reports; every part ready unless given. */
  readonly ready?: boolean;
  /** The rule families the alerts' checks and backtest run (none unless given). */
  readonly ruleFamilies?: readonly RuleFamily[];
  /** The alerts.quotas settings (as in YAML); none unless given. */
  readonly quotas?: unknown;
  /** alerts.baseline settings; the defaults unless given. */
  readonly baseline?: Partial<BaselineSettings>;
  /** The closed revisions the review binds its steps to; none closed unless given. */
  readonly closedRevisions?: ClosedRevisions;
  /**
   * The access: settings (as in YAML). The rate limit is off (a very high max) unless given, so that a test's
   * many requests with the one administrator token are not limited.
   */
  readonly access?: Record<string, unknown>;
  /** TANHE_METRICS_TOKEN. */
  readonly metricsToken?: string;
  /** The periods settings (as in YAML); the defaults unless given. */
  readonly periods?: unknown;
  /** The Chromium the PDF renderer drives (launched on the first PDF); the system's unless given. */
  readonly chromiumPath?: string;
}): Promise<TestHttpApp> {
  const client = createDuckDbClient({ path: ':memory:' });
  const store = createDuckDbReadingStore(client);
  const accountingStore = createDuckDbAccountingStore(client);
  await store.init();
  const view = createFleetView(options.fleet);
  const nowMs = () => options.nowMs;
  const catalogue = readFactorCatalogue();
  const accounting: AccountingUseCases = {
    consumption: createMeterConsumption({ store: accountingStore, fleet: view }),
    carbonReport: createCarbonReportQuery({
      store: accountingStore,
      fleet: view,
      catalogue,
      methodologyVersion: METHODOLOGY_VERSION,
      nowMs,
    }),
    heldReadings: createHeldReadingsQuery({ store: accountingStore, fleet: view }),
  };
  const alertEvents = createDuckDbAlertEventStore(client);
  await alertEvents.init();
  const families = options.ruleFamilies ?? [];
  const alerts: AlertsUseCases = {
    list: createListAlerts({ store: alertEvents, scope: view }),
    get: (alertId) => readAlert(alertEvents, alertId),
    acknowledge: createAcknowledgeAlert({ store: alertEvents, nowMs }),
    resolve: createResolveAlert({ store: alertEvents, nowMs }),
    backtest: createBacktest({ families, scope: view, settings: lifecycleSettingsSchema.parse({}) }),
  };
  const ready = options.ready ?? true;
  const readiness = async (): Promise<Readiness> => ({
    ready,
    broker: { connected: ready },
    store: { reachable: true, writing: true },
    spool: { backlogBytes: 0, backlogRecords: 0, full: false },
  });
  const fleet = createFleetRegistry(options.fleet);
  const meterHealth = createMeterHealthRules(
    { fleet: view, readings: store, accounting: accountingStore },
    healthSettingsSchema.parse({}),
  );
  const quotaRules = createQuotaRules(
    { store: accountingStore, fleet: view, catalogue, methodologyVersion: METHODOLOGY_VERSION },
    alertSettingsSchema.parse({ quotas: options.quotas ?? {} }).quotas,
  );
  const baseline = createMeterBaselineQuery(
    { store: accountingStore, fleet: view, catalogue },
    baselineSettingsSchema.parse(options.baseline ?? {}),
  );
  const periodStore = createDuckDbPeriodStore(client);
  await periodStore.init();
  const periodDir = mkdtempSync(join(tmpdir(), 'tanhe-periods-'));
  const periods = wirePeriods({
    settings: periodSettingsSchema.parse(options.periods ?? {}),
    duckdbPath: join(periodDir, 'tanhe.duckdb'),
    store: periodStore,
    accountingStore,
    fleet: view,
    carbonReport: accounting.carbonReport,
    nowMs,
    log: { info: () => undefined },
  });
  // The review up the tree, over the same DuckDB and the closed revisions (the periods store unless given).
  const reviews = createDuckDbReviewStore(client);
  await reviews.init();
  const review = wirePeriodsReview({
    fleet: options.fleet,
    reviews,
    closed: options.closedRevisions ?? periodStore,
    nowMs,
  });
  let minted = 0;
  const tokens = createMemoryTokenStore();
  const audit = createMemoryAuditLog();
  const access = wireAccess({
    settings: accessSettingsSchema.parse({ rateLimit: { max: 1_000_000 }, ...options.access }),
    secrets: {
      bootstrapAdminToken: TEST_ADMIN_TOKEN,
      ...(options.metricsToken === undefined ? {} : { metricsToken: options.metricsToken }),
    },
    fleet: options.fleet,
    stores: { tokens, audit },
    nowMs,
  });
  await access.bootstrap();
  // The PDF renderer (format=pdf): the real Chromium, launched only if a test asks for a PDF.
  const pdfRenderer = createPdfRenderer(
    options.chromiumPath === undefined ? {} : { executablePath: options.chromiumPath },
  );
  const app = createHttpServer(
    {
      access: access.http,
      ...review,
      store,
      fleet,
      metrics: new Registry(),
      readiness,
      nowMs,
      accounting,
      alerts,
      meterHealth,
      quotas: (q) => quotaRules.progress(q),
      baseline,
      periods,
      renderPdf: (html, pdfOptions) => pdfRenderer.render(html, pdfOptions),
    },
    createLogger('silent'),
  );
  authoriseInject(app);
  return {
    app,
    reviews,
    store,
    accounting,
    alertEvents,
    runChecks: createRunChecks({ families, store: alertEvents }),
    tokens,
    audit,
    access,
    async mintToken(role, scopeOrgId = FLEET_ROOT, expiresInDays = 30) {
      const name = `${role}@${scopeOrgId}#${++minted}`;
      const created = await access.http.createToken({ name, role, scopeOrgId, expiresInDays, createdBy: 'test' });
      return created.secret;
    },
    periods,
    periodStore,
    duckdb: client,
    signingKeyPath: join(periodDir, 'periods-signing-key.pem'),
    async close() {
      await app.close();
      await pdfRenderer.close();
      await store.close();
      await client.close();
      rmSync(periodDir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes `app.inject` send the administrator token when a request carries no authorization header, so the
 * tests written before access control stay as they are; a test of access control sets the header itself
 * (an empty string: no header at all).
 */
function authoriseInject(app: ReturnType<typeof createHttpServer>): void {
  const inject = app.inject.bind(app);
  const withToken = (options: InjectArgument): InjectArgument => {
    const request: InjectOptions = typeof options === 'string' ? { url: options } : options;
    const headers: Record<string, unknown> = { ...request.headers };
    if (headers.authorization === undefined) headers.authorization = `Bearer ${TEST_ADMIN_TOKEN}`;
    if (headers.authorization === '') delete headers.authorization;
    return { ...request, headers: headers as InjectOptions['headers'] };
  };
  app.inject = ((options?: InjectArgument) =>
    options === undefined ? inject() : inject(withToken(options))) as typeof app.inject;
}

type InjectArgument = string | InjectOptions;
