import { Registry } from 'prom-client';
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
import type { Principal } from '../../access/index.js';
import { createDuckDbReviewStore, type ClosedRevisions, type ReviewStore } from '../../periods/index.js';
import { NEVER_CLOSED, wirePeriodsReview } from '../../src/wire-periods-review.js';
import type { AccountingUseCases, AlertsUseCases, Readiness } from '../../src/http/http-deps.js';
import { createHttpServer } from '../../src/http/server.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { createLogger } from '../../src/platform/logger.js';

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
   * Sets the request's principal from the JSON header x-test-principal ({subject, role, scopeOrgId}) for the
   * routes that read it, standing in for the auth plugin (the review tests act as several callers).
   */
  readonly testPrincipals?: boolean;
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
  // The review up the tree (periods), over the same DuckDB and the given closed revisions.
  const reviews = createDuckDbReviewStore(client);
  await reviews.init();
  const review = wirePeriodsReview({
    fleet: options.fleet,
    reviews,
    closed: options.closedRevisions ?? NEVER_CLOSED,
    nowMs,
  });
  const app = createHttpServer(
    {
      ...review,
      store,
      fleet,
      metrics: new Registry(),
      readiness,
      nowMs,
      accounting,
      alerts,
      meterHealth: (meterId, asOfMs) => meterHealth.evaluateMeter(meterId, asOfMs),
      quotas: (q) => quotaRules.progress(q),
      baseline,
    },
    createLogger('silent'),
  );
  if (options.testPrincipals === true) {
    app.addHook('onRequest', async (request) => {
      const header = request.headers['x-test-principal'];
      if (typeof header === 'string')
        request.principal = { via: 'token', ...(JSON.parse(header) as object) } as Principal;
    });
  }
  return {
    app,
    reviews,
    store,
    accounting,
    alertEvents,
    runChecks: createRunChecks({ families, store: alertEvents }),
    async close() {
      await app.close();
      await store.close();
      await client.close();
    },
  };
}
