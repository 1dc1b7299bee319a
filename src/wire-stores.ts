import { createMemoryAuditLog, createMemoryTokenStore, type AuditLog, type TokenStore } from '../access/index.js';
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
import { createDuckDbReviewStore, createQuestDbReviewStore, type ReviewStore } from '../periods/index.js';
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
  /** The review up the tree's append-only steps (period_reviews). */
  readonly reviews: ReviewStore;
  /**
   * Access' API tokens and audit log: in memory until the engine adapters land (the "tokens" work of issue 9),
   * so tokens and audit entries live as long as the process.
   */
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
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
  let reviews: ReviewStore & { close?: () => Promise<void> };
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
    reviews = createQuestDbReviewStore(client);
    // `/exec` holds no resources; each ILP sender is its adapter's and closes with it.
    closeClient = async () => undefined;
  } else {
    const client = createDuckDbClient({ path: config.store.duckdbPath });
    readings = createDuckDbReadingStore(client);
    accounting = createDuckDbAccountingStore(client);
    alertEvents = createDuckDbAlertEventStore(client);
    outbox = createDuckDbOutboxStore(client);
    reviews = createDuckDbReviewStore(client);
    closeClient = () => client.close();
  }
  const tokens = createMemoryTokenStore();
  const audit = createMemoryAuditLog();
  return {
    readings,
    accounting,
    alertEvents,
    outbox,
    reviews,
    tokens,
    audit,
    async init() {
      await readings.init();
      await accounting.init();
      await alertEvents.init();
      await outbox.init();
      await reviews.init();
      await tokens.init();
      await audit.init();
    },
    async close() {
      await readings.close();
      await alertEvents.close?.();
      await outbox.close();
      await reviews.close?.();
      await closeClient();
    },
  };
}
