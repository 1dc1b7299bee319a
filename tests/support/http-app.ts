import { Registry } from 'prom-client';
import {
  createCarbonReportQuery,
  createDuckDbAccountingStore,
  createFleetView,
  createHeldReadingsQuery,
  createMeterConsumption,
  METHODOLOGY_VERSION,
} from '../../accounting/index.js';
import { baselineSettingsSchema, createMeterBaselineQuery, type BaselineSettings } from '../../alerts/index.js';
import { createFleetRegistry, readFactorCatalogue, type Fleet } from '../../config/index.js';
import { createDuckDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import type { AccountingUseCases, Readiness } from '../../src/http/http-deps.js';
import { createHttpServer } from '../../src/http/server.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { createLogger } from '../../src/platform/logger.js';

export interface TestHttpApp {
  readonly app: ReturnType<typeof createHttpServer>;
  /** Ingest's side of the in-memory DuckDB: write the test's readings here. */
  readonly store: ReadingStore;
  readonly accounting: AccountingUseCases;
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
  /** alerts.baseline settings; the defaults unless given. */
  readonly baseline?: Partial<BaselineSettings>;
}): Promise<TestHttpApp> {
  const client = createDuckDbClient({ path: ':memory:' });
  const store = createDuckDbReadingStore(client);
  const accountingStore = createDuckDbAccountingStore(client);
  await store.init();
  const view = createFleetView(options.fleet);
  const nowMs = () => options.nowMs;
  const accounting: AccountingUseCases = {
    consumption: createMeterConsumption({ store: accountingStore, fleet: view }),
    carbonReport: createCarbonReportQuery({
      store: accountingStore,
      fleet: view,
      catalogue: readFactorCatalogue(),
      methodologyVersion: METHODOLOGY_VERSION,
      nowMs,
    }),
    heldReadings: createHeldReadingsQuery({ store: accountingStore, fleet: view }),
  };
  const ready = options.ready ?? true;
  const readiness = async (): Promise<Readiness> => ({
    ready,
    broker: { connected: ready },
    store: { reachable: true, writing: true },
    spool: { backlogBytes: 0, backlogRecords: 0, full: false },
  });
  const fleet = createFleetRegistry(options.fleet);
  const baseline = createMeterBaselineQuery(
    { store: accountingStore, fleet: view, catalogue: readFactorCatalogue() },
    baselineSettingsSchema.parse(options.baseline ?? {}),
  );
  const app = createHttpServer(
    { store, fleet, metrics: new Registry(), readiness, nowMs, accounting, baseline },
    createLogger('silent'),
  );
  return {
    app,
    store,
    accounting,
    async close() {
      await app.close();
      await store.close();
      await client.close();
    },
  };
}
