import {
  createDuckDbAuditLog,
  createDuckDbTokenStore,
  createQuestDbAuditLog,
  createQuestDbTokenStore,
  type AuditLog,
  type TokenStore,
} from '../access/index.js';
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
import { createDuckDbPeriodStore, createQuestDbPeriodStore, type PeriodStore } from '../periods/index.js';
import type { AppConfig as Config } from './load-app-config.js';
import { createDuckDbClient, type DuckDbClient } from './platform/duckdb/index.js';
import { createQuestDbClient, type QuestDbClient } from './platform/questdb/index.js';

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
  /** Access control's API token events: created, revoked. */
  readonly tokens: TokenStore;
  /** Access control's audit log: who did what. */
  readonly audit: AuditLog;
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
  let reviews: ReviewStore & { close?: () => Promise<void> };
  let access: EngineAccessStores;
  let periods: PeriodStore;
  let closeClient: () => Promise<void>;
  if (config.store.kind === 'questdb') {
    const client = questDbClientOf(config);
    readings = createQuestDbReadingStore(client);
    // The fleet's zones get their day views at start-up, so QuestDB fills them as readings arrive.
    const viewTimeZones = [...new Set(config.fleet.institutions.map((i) => i.timezone))];
    accounting = createQuestDbAccountingStore(client, { viewTimeZones });
    alertEvents = createQuestDbAlertEventStore(client);
    outbox = createQuestDbOutboxStore(client);
    reviews = createQuestDbReviewStore(client);
    access = questDbAccessStores(client);
    periods = createQuestDbPeriodStore(client);
    // `/exec` holds no resources; each ILP sender is its adapter's and closes with it.
    closeClient = async () => undefined;
  } else {
    const client = createDuckDbClient({ path: config.store.duckdbPath });
    readings = createDuckDbReadingStore(client);
    accounting = createDuckDbAccountingStore(client);
    alertEvents = createDuckDbAlertEventStore(client);
    outbox = createDuckDbOutboxStore(client);
    reviews = createDuckDbReviewStore(client);
    access = duckDbAccessStores(client);
    periods = createDuckDbPeriodStore(client);
    closeClient = () => client.close();
  }
  return {
    readings,
    accounting,
    alertEvents,
    outbox,
    reviews,
    tokens: access.tokens,
    audit: access.audit,
    periods,
    async init() {
      await readings.init();
      await accounting.init();
      await alertEvents.init();
      await outbox.init();
      await reviews.init();
      await access.init();
      await periods.init();
    },
    async close() {
      await readings.close();
      await alertEvents.close?.();
      await outbox.close();
      await reviews.close?.();
      await access.closeAdapters();
      await periods.close();
      await closeClient();
    },
  };
}

/** Access control's two stores alone, for the `tanhe tokens` command (src/cli/tokens-command.ts). */
export interface AccessStores {
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
  /** Creates both tables; on DuckDB this opens the file (and fails while another process holds its lock). */
  init(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The token store and the audit log over their own engine client, without the
 * other capabilities' tables: what a command that manages tokens needs.
 */
export function createAccessStores(config: Config): AccessStores {
  if (config.store.kind === 'questdb') {
    const access = questDbAccessStores(questDbClientOf(config));
    return { ...access, close: () => access.closeAdapters() };
  }
  const client = createDuckDbClient({ path: config.store.duckdbPath });
  const access = duckDbAccessStores(client);
  return { ...access, close: () => client.close() };
}

interface EngineAccessStores extends Omit<AccessStores, 'close'> {
  /** Closes what the adapters hold (QuestDB's ILP writers), not the engine client. */
  closeAdapters(): Promise<void>;
}

function questDbAccessStores(client: QuestDbClient): EngineAccessStores {
  const tokens = createQuestDbTokenStore(client);
  const audit = createQuestDbAuditLog(client);
  return {
    tokens,
    audit,
    async init() {
      await tokens.init();
      await audit.init();
    },
    async closeAdapters() {
      await tokens.close();
      await audit.close();
    },
  };
}

function duckDbAccessStores(client: DuckDbClient): EngineAccessStores {
  const tokens = createDuckDbTokenStore(client);
  const audit = createDuckDbAuditLog(client);
  return {
    tokens,
    audit,
    async init() {
      await tokens.init();
      await audit.init();
    },
    closeAdapters: async () => undefined,
  };
}

function questDbClientOf(config: Config): QuestDbClient {
  if (config.store.kind !== 'questdb') throw new Error('the store is not QuestDB');
  return createQuestDbClient({
    url: config.store.questdbUrl,
    requestTimeoutMs: config.store.requestTimeoutMs,
    ...(config.secrets.questdbToken ? { token: config.secrets.questdbToken } : {}),
  });
}
