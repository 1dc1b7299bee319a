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
import type { AccountingUseCases, AlertsUseCases, Readiness } from '../../src/http/http-deps.js';
import { createHttpServer } from '../../src/http/server.js';
import { createPdfRenderer } from '../../src/platform/browser/index.js';
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
  // The PDF renderer (format=pdf): the real Chromium, launched only if a test asks for a PDF.
  const pdfRenderer = createPdfRenderer(
    options.chromiumPath === undefined ? {} : { executablePath: options.chromiumPath },
  );
  const app = createHttpServer(
    {
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
      renderPdf: (html, pdfOptions) => pdfRenderer.render(html, pdfOptions),
    },
    createLogger('silent'),
  );
  return {
    app,
    store,
    accounting,
    alertEvents,
    runChecks: createRunChecks({ families, store: alertEvents }),
    async close() {
      await app.close();
      await pdfRenderer.close();
      await store.close();
      await client.close();
    },
  };
}
