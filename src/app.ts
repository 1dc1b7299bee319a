import { Registry, collectDefaultMetrics } from 'prom-client';
import {
  createCarbonReportQuery,
  createHeldReadingsQuery,
  createDuckDbAccountingStore,
  createFleetView,
  createMeterConsumption,
  createQuestDbAccountingStore,
  METHODOLOGY_VERSION,
  type AccountingStoreAdapter,
} from '../accounting/index.js';
import { createFleetRegistry, readFactorCatalogue } from '../config/index.js';
import {
  createDuckDbReadingStore,
  createMessageReceiver,
  createPrometheusIngestMetrics,
  createQuestDbReadingStore,
  createSpoolDrainer,
  FileSpool,
  startMqttSubscriber,
  type ReadingStore,
} from '../ingest/index.js';
import { DAY_MS, isAppError } from './kernel/index.js';
import { createHttpServer, type Readiness } from './http/index.js';
import type { AppConfig as Config } from './load-app-config.js';
import { systemClock } from './platform/clock.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './platform/embedded-broker.js';
import { createLogger } from './platform/logger.js';
import { createDuckDbClient } from './platform/duckdb/index.js';
import { createQuestDbClient } from './platform/questdb/index.js';
import { faultsFor, runSimulator, type SimulatorHandle } from './simulator/index.js';

export interface RunningApp {
  readonly httpUrl: string;
  readonly store: ReadingStore;
  /** Stops taking messages, drains the spool into the store (up to the deadline), closes everything. */
  stop(): Promise<void>;
  /** Resolves if a fatal error stops the service (it then exits non-zero). */
  readonly failed: Promise<unknown>;
}

/**
 * The one place where adapters are built and wired. Start order: spool (so that
 * messages can be accepted even while the store is down), broker and
 * subscriber, HTTP, then the store and the drainer.
 */
export async function startApp(config: Config, extras: { onStarted?: (app: RunningApp) => Promise<void> } = {}): Promise<RunningApp> {
  const log = createLogger(config.log.level);
  const fleet = createFleetRegistry(config.fleet);
  // Read before anything starts: an invalid catalogue stops the service, listing every problem.
  const catalogue = readFactorCatalogue(config);
  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'tanhe_' });
  const metrics = createPrometheusIngestMetrics(metricsRegistry);
  let rejectFailed: (error: unknown) => void = () => undefined;
  const failed = new Promise<unknown>((_, reject) => (rejectFailed = reject));
  failed.catch(() => undefined);

  const stores = createStores(config);
  const store = stores.readings;

  const spool = new FileSpool(config.spool);
  if (spool.recoveredRecords > 0) {
    log.info({ records: spool.recoveredRecords }, 'replaying spool records not yet confirmed by the store');
    metrics.replayed(spool.recoveredRecords);
  }
  metrics.spoolBacklog(spool.backlogBytes(), spool.backlogRecords());

  const drainer = createSpoolDrainer({
    spool,
    sink: store,
    metrics,
    log: log.child({ module: 'drain' }),
    clock: systemClock,
    batchSize: config.spool.batchSize,
    flushIntervalMs: config.spool.flushIntervalMs,
    recentKeysPerMeter: config.ingest.recentKeysPerMeter,
  });

  let broker: EmbeddedBroker | undefined;
  if (config.mqtt.embedded) {
    broker = await startEmbeddedBroker(config.mqtt.url);
    log.info({ url: config.mqtt.url }, 'embedded MQTT broker listening (demo broker: sessions live in memory)');
  }

  const receive = createMessageReceiver({
    spool,
    directory: fleet,
    topics: config.mqtt.topics,
    limits: config.ingest,
    clock: systemClock,
    metrics,
    log: log.child({ module: 'ingest' }),
    instanceId: `${config.mqtt.clientId}-${Date.now().toString(36)}`,
  });
  const subscriber = startMqttSubscriber({
    url: config.mqtt.url,
    clientId: config.mqtt.clientId,
    ...(config.secrets.mqttUsername !== undefined ? { username: config.secrets.mqttUsername } : {}),
    ...(config.secrets.mqttPassword !== undefined ? { password: config.secrets.mqttPassword } : {}),
    filters: [config.mqtt.topics.json, config.mqtt.topics.senml, config.mqtt.topics.tasmota],
    ...(config.mqtt.sharedGroup !== undefined ? { sharedGroup: config.mqtt.sharedGroup } : {}),
    keepaliveSeconds: config.mqtt.keepaliveSeconds,
    reconnectPeriodMs: config.mqtt.reconnectPeriodMs,
    onMessage: receive,
    onFatal: (error) => {
      log.fatal({ err: error }, 'cannot spool a message; stopping without acknowledging it');
      rejectFailed(error);
    },
    log: log.child({ module: 'mqtt' }),
  });

  let storeReady = false;
  const readiness = async (): Promise<Readiness> => {
    const reachable = await store.ping().then(() => true, () => false);
    const writing = storeReady && !drainer.storeDown();
    const connected = subscriber.connected();
    const spoolState = { backlogBytes: spool.backlogBytes(), backlogRecords: spool.backlogRecords(), full: spool.isFull() };
    return { ready: connected && reachable && writing && !spoolState.full, broker: { connected }, store: { reachable, writing }, spool: spoolState };
  };
  const fleetView = createFleetView(config.fleet);
  const accounting = {
    consumption: createMeterConsumption({ store: stores.accounting, fleet: fleetView }),
    carbonReport: createCarbonReportQuery({ store: stores.accounting, fleet: fleetView, catalogue, methodologyVersion: METHODOLOGY_VERSION, nowMs: systemClock.nowMs }),
    heldReadings: createHeldReadingsQuery({ store: stores.accounting, fleet: fleetView }),
  };
  const http = createHttpServer({ store, fleet, metrics: metricsRegistry, readiness, nowMs: systemClock.nowMs, accounting }, log);
  await http.listen({ host: config.http.host, port: config.http.port });
  const address = http.server.address();
  const httpUrl = typeof address === 'object' && address ? `http://${config.http.host}:${address.port}` : `http://${config.http.host}:${config.http.port}`;
  log.info({ url: httpUrl }, 'HTTP listening');

  await initStoreWithRetry(stores, log);
  storeReady = true;
  drainer.run().catch((error: unknown) => {
    log.fatal({ err: error }, 'the spool drainer stopped');
    rejectFailed(error);
  });

  let simulator: SimulatorHandle | undefined;
  if (config.simulator.enabled) {
    const nowMs = systemClock.nowMs();
    simulator = await runSimulator({
      mqttUrl: config.mqtt.url,
      fleet: config.fleet,
      fromMs: nowMs - config.simulator.backfillDays * DAY_MS,
      toMs: nowMs,
      live: true,
      liveIntervalMs: config.simulator.liveIntervalMs,
      batchSize: 96,
      faults: faultsFor(config.simulator.faults),
      seed: config.simulator.seed,
      clientId: `${config.mqtt.clientId}-simulator`,
      ...(config.secrets.mqttUsername !== undefined ? { username: config.secrets.mqttUsername } : {}),
      ...(config.secrets.mqttPassword !== undefined ? { password: config.secrets.mqttPassword } : {}),
      log: log.child({ module: 'simulator' }),
    });
    log.info({ backfillDays: config.simulator.backfillDays, meters: config.fleet.meters.length }, 'simulator publishing: backfill, then live readings');
    simulator.backfilled.then(
      (stats) => log.info({ messages: stats.messages, readings: stats.readings, malformed: stats.malformed }, 'simulator backfill published'),
      (error: unknown) => log.warn({ err: error }, 'simulator stopped'),
    );
  }

  let stopped: Promise<void> | undefined;
  const app: RunningApp = {
    httpUrl,
    store,
    failed,
    stop: () =>
      (stopped ??= (async () => {
        log.info({}, 'stopping: no new messages, draining the spool');
        await simulator?.stop();
        await subscriber.close();
        await drainer.stop(10_000);
        spool.close();
        log.info({ backlogRecords: spool.backlogRecords() }, 'spool drained');
        await http.close();
        await stores.close();
        await broker?.close();
      })()),
  };
  await extras.onStarted?.(app);
  return app;
}

interface Stores {
  /** Ingest's tables: the spool drainer's sink, the HTTP read side, /readyz. */
  readonly readings: ReadingStore;
  readonly accounting: AccountingStoreAdapter;
  /** Creates both capabilities' tables. */
  init(): Promise<void>;
  close(): Promise<void>;
}

/** One engine client, and each capability's adapter over it. */
function createStores(config: Config): Stores {
  let readings: ReadingStore;
  let accounting: AccountingStoreAdapter;
  let closeClient: () => Promise<void>;
  if (config.store.kind === 'questdb') {
    const client = createQuestDbClient({
      url: config.store.questdbUrl,
      requestTimeoutMs: config.store.requestTimeoutMs,
      ...(config.secrets.questdbToken ? { token: config.secrets.questdbToken } : {}),
    });
    readings = createQuestDbReadingStore(client);
    accounting = createQuestDbAccountingStore(client);
    // `/exec` holds no resources; the ILP sender is the reading store's and closes with it.
    closeClient = async () => undefined;
  } else {
    const client = createDuckDbClient({ path: config.store.duckdbPath });
    readings = createDuckDbReadingStore(client);
    accounting = createDuckDbAccountingStore(client);
    closeClient = () => client.close();
  }
  return {
    readings,
    accounting,
    async init() {
      await readings.init();
      await accounting.init();
    },
    async close() {
      await readings.close();
      await closeClient();
    },
  };
}

/** The store may start after the service (compose, reboots): wait for it, logging, while the spool accepts readings. */
async function initStoreWithRetry(store: { init(): Promise<void> }, log: { warn(o: object, m: string): void; info(o: object, m: string): void }) {
  for (let attempt = 1, delayMs = 500; ; attempt++, delayMs = Math.min(delayMs * 2, 10_000)) {
    try {
      await store.init();
      log.info({ attempt }, 'store ready');
      return;
    } catch (error) {
      if (!isAppError(error) || !error.retryable) throw error;
      log.warn({ err: error, attempt, retryInMs: delayMs }, 'store not reachable yet; readings are spooled meanwhile');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
