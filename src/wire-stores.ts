import {
  createDuckDbAccountingStore,
  createQuestDbAccountingStore,
  type AccountingStoreAdapter,
} from '../accounting/index.js';
import {
  createDuckDbAlertEventStore,
  createDuckDbOutboxStore,
  createQuestDbAlertEventStore,
  createQuestDbOutboxStore,
  type AlertEventStore,
  type OutboxStore,
} from '../alerts/index.js';
import { createDuckDbReadingStore, createQuestDbReadingStore, type ReadingStore } from '../ingest/index.js';
import { createDuckDbPeriodStore, createQuestDbPeriodStore, type PeriodStore } from '../periods/index.js';
import type { AppConfig as Config } from './load-app-config.js';
import { createDuckDbClient } from './platform/duckdb/index.js';
import { createQuestDbClient } from './platform/questdb/index.js';

/** Every capability's adapter over one engine client (docs/architecture.md, "Stores"). */
export interface Stores {
  /** Ingest's tables: the spool drainer's sink, the HTTP read side, /readyz. */
  readonly readings: ReadingStore;
  readonly accounting: AccountingStoreAdapter;
  /** Alerts' append-only event log. */
  readonly alertEvents: AlertEventStore;
  /** Alerts' outbox of mail: queued, then sent. */
  readonly outbox: OutboxStore;
  /** Periods' append-only closed revisions and their leaves. */
  readonly periods: PeriodStore;
  /** Creates every capability's tables. */
  init(): Promise<void>;
  close(): Promise<void>;
}

/** One engine client, and each capability's adapter over it. */
export function createStores(config: Config): Stores {
  let readings: ReadingStore;
  let accounting: AccountingStoreAdapter;
  let alertEvents: AlertEventStore & { close?: () => Promise<void> };
  let outbox: OutboxStore;
  let periods: PeriodStore;
  let closeClient: () => Promise<void>;
  if (config.store.kind === 'questdb') {
    const client = createQuestDbClient({
      url: config.store.questdbUrl,
      requestTimeoutMs: config.store.requestTimeoutMs,
      ...(config.secrets.questdbToken ? { token: config.secrets.questdbToken } : {}),
    });
    readings = createQuestDbReadingStore(client);
    accounting = createQuestDbAccountingStore(client);
    alertEvents = createQuestDbAlertEventStore(client);
    outbox = createQuestDbOutboxStore(client);
    periods = createQuestDbPeriodStore(client);
    // `/exec` holds no resources; each ILP sender is its adapter's and closes with it.
    closeClient = async () => undefined;
  } else {
    const client = createDuckDbClient({ path: config.store.duckdbPath });
    readings = createDuckDbReadingStore(client);
    accounting = createDuckDbAccountingStore(client);
    alertEvents = createDuckDbAlertEventStore(client);
    outbox = createDuckDbOutboxStore(client);
    periods = createDuckDbPeriodStore(client);
    closeClient = () => client.close();
  }
  return {
    readings,
    accounting,
    alertEvents,
    outbox,
    periods,
    async init() {
      await readings.init();
      await accounting.init();
      await alertEvents.init();
      await outbox.init();
      await periods.init();
    },
    async close() {
      await readings.close();
      await alertEvents.close?.();
      await outbox.close();
      await periods.close();
      await closeClient();
    },
  };
}
