import { setTimeout as sleep } from 'node:timers/promises';
import { Registry, collectDefaultMetrics } from 'prom-client';
import {
  createCarbonReportQuery,
  createHeldReadingsQuery,
  createFleetView,
  createMeterConsumption,
  METHODOLOGY_VERSION,
} from '../accounting/index.js';
import { createFleetRegistry, readFactorCatalogue } from '../config/index.js';
import {
  createMessageReceiver,
  createPrometheusIngestMetrics,
  createSpoolDrainer,
  FileSpool,
  startMqttSubscriber,
  type ReadingStore,
} from '../ingest/index.js';
import type { MqttSubscriber, SpoolDrainer } from '../ingest/index.js';
import { DAY_MS, isAppError, MINUTE_MS } from './kernel/index.js';
import { createHttpServer, type Readiness } from './http/index.js';
import type { AppConfig as Config } from './load-app-config.js';
import { systemClock } from './platform/clock.js';
import type { EmbeddedBroker } from './platform/embedded-broker.js';
import { createPdfRenderer, DEFAULT_CHROMIUM_PATH } from './platform/browser/index.js';
import { createLifecycle, createScheduler, type Component } from './platform/index.js';
import { createLogger, type Logger } from './platform/logger.js';
import type { DemoSmtpReceiver } from './platform/smtp/index.js';
import { DEMO_REGISTER_ORIGIN_MS, faultsFor, runSimulator, type SimulatorHandle } from './simulator/index.js';
import { ALERT_EVALUATION_JOB, ALERT_LIVE_JOB, ALERT_MAIL_JOB, wireAlerts } from './wire-alerts.js';
import { wirePeriodsReview } from './wire-periods-review.js';
import { wireAccess } from './wire-access.js';
import { wirePeriods } from './wire-periods.js';
import { createStores } from './wire-stores.js';

export { runAlertsBacktest } from './wire-alerts.js';

export interface RunningApp {
  readonly httpUrl: string;
  readonly store: ReadingStore;
  /** Stops taking messages, drains the spool into the store (up to the deadline), closes everything. */
  stop(): Promise<void>;
  /** Resolves if a fatal error stops the service (it then exits non-zero). */
  readonly failed: Promise<unknown>;
}

export interface StartExtras {
  onStarted?: (app: RunningApp) => Promise<void>;
  /** Aborting it during start-up (SIGTERM while the store is still unreachable) stops what has started. */
  signal?: AbortSignal;
}

/** How long a stop waits for the spool to drain into the store before leaving the rest for the next start. */
const DRAIN_DEADLINE_MS = 10_000;

/**
 * The one place where adapters are built and wired, as lifecycle components
 * (src/platform/lifecycle.ts): they start in the order listed and stop in reverse.
 * Start order: spool (so that messages can be accepted even while the store is
 * down), broker and subscriber, HTTP, then the store and the drainer, the
 * simulator and the scheduler. Stop: scheduler, simulator, then the intake closes
 * and the spool drains (with its deadline), HTTP, store, broker, spool.
 */
export async function startApp(config: Config, extras: StartExtras = {}): Promise<RunningApp> {
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

  // Built by the components' start, in order; the closures below run only after their component started.
  let spool: FileSpool | undefined;
  let drainer: SpoolDrainer | undefined;
  let subscriber: MqttSubscriber | undefined;
  let broker: EmbeddedBroker | undefined;
  let simulator: SimulatorHandle | undefined;
  let demoMail: DemoSmtpReceiver | undefined;
  let stopping = false;
  let storeReady = false;
  let httpUrl = `http://${config.http.host}:${config.http.port}`;

  let intakeClosed: Promise<void> | undefined;
  /** The subscriber closes before the drain (nothing new arrives while it drains) and again in its own stop. */
  const closeIntake = () => (intakeClosed ??= subscriber?.close() ?? Promise.resolve());

  const readiness = async (): Promise<Readiness> => {
    const reachable = await store.ping().then(
      () => true,
      () => false,
    );
    const writing = storeReady && drainer !== undefined && !drainer.storeDown();
    const connected = subscriber?.connected() ?? false;
    const spoolState = {
      backlogBytes: spool?.backlogBytes() ?? 0,
      backlogRecords: spool?.backlogRecords() ?? 0,
      full: spool?.isFull() ?? false,
    };
    const ready = connected && reachable && writing && !spoolState.full;
    return { ready, broker: { connected }, store: { reachable, writing }, spool: spoolState };
  };
  const fleetView = createFleetView(config.fleet);
  const accounting = {
    consumption: createMeterConsumption({ store: stores.accounting, fleet: fleetView, nowMs: systemClock.nowMs }),
    carbonReport: createCarbonReportQuery({
      store: stores.accounting,
      fleet: fleetView,
      catalogue,
      methodologyVersion: METHODOLOGY_VERSION,
      nowMs: systemClock.nowMs,
    }),
    heldReadings: createHeldReadingsQuery({ store: stores.accounting, fleet: fleetView }),
  };
  /** Set once the first evaluation may run (the simulator's backfill stored): the evaluation jobs wait for it. */
  let alertsCaughtUp = false;
  const alerts = wireAlerts(config, stores, fleetView, catalogue, log, { caughtUp: () => alertsCaughtUp });
  const periods = wirePeriods({
    settings: config.periods,
    duckdbPath: config.store.duckdbPath,
    store: stores.periods,
    accountingStore: stores.accounting,
    fleet: fleetView,
    carbonReport: accounting.carbonReport,
    nowMs: systemClock.nowMs,
    log: log.child({ module: 'periods' }),
  });
  const review = wirePeriodsReview({
    fleet: config.fleet,
    reviews: stores.reviews,
    closed: stores.periods,
    nowMs: systemClock.nowMs,
  });
  const access = wireAccess({
    settings: config.access,
    secrets: config.secrets,
    fleet: config.fleet,
    stores,
    nowMs: systemClock.nowMs,
  });
  // Chromium launches on the first PDF asked for, not at start: a service that never prints never pays for it.
  const pdfRenderer = createPdfRenderer({ executablePath: process.env.TANHE_CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH });
  const http = createHttpServer(
    {
      store,
      fleet,
      metrics: metricsRegistry,
      readiness,
      nowMs: systemClock.nowMs,
      accounting,
      ...alerts.http,
      ...review,
      access: access.http,
      periods,
      renderPdf: (html, options) => pdfRenderer.render(html, options),
    },
    log,
  );

  // Scheduled jobs (alert evaluation, alert mail), each with its cron expression and time zone.
  const scheduler = createScheduler({
    jobs: alerts.jobs,
    workerIndex: config.scheduler.workerIndex,
    workerCount: config.scheduler.workerCount,
    registry: metricsRegistry,
    log: log.child({ module: 'scheduler' }),
  });

  const components: Component[] = [
    {
      name: 'spool',
      start: () => {
        // Takes the spool directory's lock first: a second process on it fails here (SPOOL_LOCKED) untouched.
        const opened = new FileSpool(config.spool);
        spool = opened;
        if (opened.recoveredRecords > 0) {
          log.info({ records: opened.recoveredRecords }, 'replaying spool records not yet confirmed by the store');
          metrics.replayed(opened.recoveredRecords);
        }
        metrics.spoolBacklog(opened.backlogBytes(), opened.backlogRecords());
        drainer = createSpoolDrainer({
          spool: opened,
          sink: store,
          metrics,
          log: log.child({ module: 'drain' }),
          clock: systemClock,
          batchSize: config.spool.batchSize,
          flushIntervalMs: config.spool.flushIntervalMs,
          recentKeysPerMeter: config.ingest.recentKeysPerMeter,
        });
      },
      stop: () => spool?.close(),
    },
    ...(config.mqtt.embedded
      ? [
          {
            name: 'broker',
            start: async () => {
              const { mqttUsername: username, mqttPassword: password } = config.secrets;
              // With a username and password set, the demo broker checks them: no other local process can publish.
              const credentials = username !== undefined && password !== undefined ? { username, password } : undefined;
              // Loaded only here (aedes: ~11 MiB of RSS a service with its own broker never needs; issue 11 §5).
              const { startEmbeddedBroker } = await import('./platform/embedded-broker.js');
              broker = await startEmbeddedBroker(config.mqtt.url, credentials ? { credentials } : {});
              log.info(
                { url: config.mqtt.url, authentication: credentials !== undefined },
                'embedded MQTT broker listening (demo broker: sessions live in memory)',
              );
            },
            stop: () => broker?.close(),
          },
        ]
      : []),
    {
      name: 'subscriber',
      dependsOn: ['spool', ...(config.mqtt.embedded ? ['broker'] : [])],
      start: () => {
        if (!spool) throw new Error('the spool starts before the subscriber');
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
        subscriber = startMqttSubscriber({
          url: config.mqtt.url,
          clientId: config.mqtt.clientId,
          ...(config.secrets.mqttUsername !== undefined ? { username: config.secrets.mqttUsername } : {}),
          ...(config.secrets.mqttPassword !== undefined ? { password: config.secrets.mqttPassword } : {}),
          tls: config.mqtt.tls,
          filters: [config.mqtt.topics.json, config.mqtt.topics.senml, config.mqtt.topics.tasmota],
          ...(config.mqtt.sharedGroup !== undefined ? { sharedGroup: config.mqtt.sharedGroup } : {}),
          leaveSharedGroupOnClose: config.mqtt.sharedGroup !== undefined && config.mqtt.leaveSharedGroupOnStop,
          connections: config.mqtt.connections,
          keepaliveSeconds: config.mqtt.keepaliveSeconds,
          reconnectPeriodMs: config.mqtt.reconnectPeriodMs,
          onMessage: receive,
          holding: receive.holding,
          onFatal: (error) => {
            log.fatal({ err: error }, 'cannot spool a message; stopping without acknowledging it');
            rejectFailed(error);
          },
          log: log.child({ module: 'mqtt' }),
        });
      },
      stop: closeIntake,
    },
    // Connections open lazily; the store closes after HTTP, which serves from it until then.
    { name: 'store', start: () => undefined, stop: () => stores.close() },
    // Listed before HTTP so that it closes after it: a PDF in progress finishes first.
    { name: 'pdf-renderer', start: () => undefined, stop: () => pdfRenderer.close() },
    {
      name: 'http',
      dependsOn: ['store'],
      start: async () => {
        await http.listen({ host: config.http.host, port: config.http.port });
        const address = http.server.address();
        if (typeof address === 'object' && address) httpUrl = `http://${config.http.host}:${address.port}`;
        log.info({ url: httpUrl }, 'HTTP listening');
      },
      stop: () => http.close(),
    },
    {
      // HTTP is already up while the store may still be unreachable: readiness says so meanwhile.
      name: 'drainer',
      dependsOn: ['spool', 'store', 'subscriber'],
      start: async (signal) => {
        await initStoreWithRetry(stores, log, signal);
        const { demoToken } = await access.bootstrap();
        if (demoToken !== undefined) announceDemoToken(demoToken, httpUrl, log);
        storeReady = true;
        drainer?.run().catch((error: unknown) => {
          log.fatal({ err: error }, 'the spool drainer stopped');
          rejectFailed(error);
        });
      },
      stop: async () => {
        log.info({}, 'stopping: no new messages, draining the spool');
        await closeIntake();
        await drainer?.stop(DRAIN_DEADLINE_MS);
        log.info({ backlogRecords: spool?.backlogRecords() }, 'spool drained');
      },
      // The drain's own deadline, plus one store write that may be in flight when it passes.
      stopTimeoutMs: DRAIN_DEADLINE_MS + config.store.requestTimeoutMs,
    },
    ...(config.simulator.enabled
      ? [
          {
            name: 'simulator',
            dependsOn: ['drainer'],
            start: async () => {
              simulator = await startSimulator(config, log);
            },
            stop: async () => void (await simulator?.stop()),
          },
        ]
      : []),
    ...(config.alerts.email.demoReceiver.enabled
      ? [
          {
            // The first run's mailbox: alert mail lands as .eml files under ./data/mail (README).
            name: 'demo-mail',
            start: async () => {
              const mailLog = log.child({ module: 'demo-mail' });
              // Loaded only here (smtp-server: ~12 MiB of RSS outside the first-run demo; issue 11 §5).
              const { startDemoSmtpReceiver } = await import('./platform/smtp/index.js');
              demoMail = await startDemoSmtpReceiver({
                ...config.alerts.email.demoReceiver,
                onStored: (file) => mailLog.info({ file }, 'demo mailbox: alert mail received'),
              });
              mailLog.info({ port: demoMail.port, dir: demoMail.dir }, 'demo SMTP receiver listening');
            },
            stop: () => demoMail?.close(),
          },
        ]
      : []),
    {
      name: 'scheduler',
      dependsOn: ['drainer', ...(config.alerts.email.demoReceiver.enabled ? ['demo-mail'] : [])],
      start: () => {
        scheduler.start();
        void firstEvaluation();
      },
      stop: async () => {
        await scheduler.stop();
        await alerts.close();
      },
    },
  ];

  /**
   * The rules run once at start, not only at the next quarter hour: after a restart the alerts catch
   * up at once, and on the first run (simulator on) a new user sees alert mail once the backfill is stored.
   * The live rules go first and their mail out at once (a silent meter is critical), so the first mail
   * does not wait for the full evaluation; then every rule, and its mail.
   */
  async function firstEvaluation() {
    try {
      if (simulator) {
        await simulator.backfilled;
        while (spool && spool.backlogRecords() > 0 && !stopping) await sleep(500);
      }
      alertsCaughtUp = true;
      if (stopping) return;
      await scheduler.runNow(ALERT_LIVE_JOB);
      await scheduler.runNow(ALERT_MAIL_JOB);
      if (stopping) return;
      await scheduler.runNow(ALERT_EVALUATION_JOB);
      await scheduler.runNow(ALERT_MAIL_JOB);
      // The end of the start-up's heaviest window (the dashboard benchmark waits for it, see bench/README.md).
      log.info('the first alert evaluation finished');
    } catch (error) {
      log.warn({ err: error }, 'the first alert evaluation did not run');
    } finally {
      alertsCaughtUp = true;
    }
  }
  const lifecycle = createLifecycle(components, { log: log.child({ module: 'lifecycle' }) });

  const onAbort = () => {
    stopping = true;
    void lifecycle.stop();
  };
  extras.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (extras.signal?.aborted) await lifecycle.stop();
    await lifecycle.start();
  } finally {
    extras.signal?.removeEventListener('abort', onAbort);
  }

  const app: RunningApp = {
    httpUrl,
    store,
    failed,
    stop: () => {
      stopping = true;
      return lifecycle.stop();
    },
  };
  await extras.onStarted?.(app);
  return app;
}

async function startSimulator(config: Config, log: Logger): Promise<SimulatorHandle> {
  const nowMs = systemClock.nowMs();
  const simulator = await runSimulator({
    mqttUrl: config.mqtt.url,
    fleet: config.fleet,
    fromMs: nowMs - config.simulator.backfillDays * DAY_MS,
    toMs: nowMs,
    live: true,
    liveIntervalMs: config.simulator.liveIntervalMs,
    intervalMs: config.simulator.backfillIntervalMinutes * MINUTE_MS,
    // A fixed origin: a restart re-publishes the backfill with the values already stored.
    registerOriginMs: DEMO_REGISTER_ORIGIN_MS,
    batchSize: 96,
    faults: faultsFor(config.simulator.faults),
    seed: config.simulator.seed,
    clientId: `${config.mqtt.clientId}-simulator`,
    ...(config.secrets.mqttUsername !== undefined ? { username: config.secrets.mqttUsername } : {}),
    ...(config.secrets.mqttPassword !== undefined ? { password: config.secrets.mqttPassword } : {}),
    log: log.child({ module: 'simulator' }),
  });
  log.info(
    { backfillDays: config.simulator.backfillDays, meters: config.fleet.meters.length },
    'simulator publishing: backfill, then live readings',
  );
  simulator.backfilled.then(
    (stats) =>
      log.info(
        { messages: stats.messages, readings: stats.readings, malformed: stats.malformed },
        'simulator backfill published',
      ),
    (error: unknown) => log.warn({ err: error }, 'simulator stopped'),
  );
  return simulator;
}

/** The store may start after the service (compose, reboots): wait for it, logging, while the spool accepts readings. */
/**
 * The first run's administrator token, shown once: on stdout for the person at the terminal, and in the log
 * at warn (a demo token in a production log is a finding). Nowhere else; the store keeps only its hash.
 */
function announceDemoToken(secret: string, httpUrl: string, log: Logger): void {
  const usage = `curl -H "Authorization: Bearer ${secret}" ${httpUrl}/api/v1/meters`;
  process.stdout.write(`\nDemo administrator token (shown once, valid 30 days):\n  ${secret}\n  ${usage}\n\n`);
  log.warn({}, `demo administrator token created (shown once, docs/access.md): ${secret}`);
}

async function initStoreWithRetry(
  store: { init(): Promise<void> },
  log: { warn(o: object, m: string): void; info(o: object, m: string): void },
  signal: AbortSignal,
) {
  for (let attempt = 1, delayMs = 500; ; attempt++, delayMs = Math.min(delayMs * 2, 10_000)) {
    signal.throwIfAborted();
    try {
      await store.init();
      log.info({ attempt }, 'store ready');
      return;
    } catch (error) {
      if (!isAppError(error) || !error.retryable) throw error;
      log.warn({ err: error, attempt, retryInMs: delayMs }, 'store not reachable yet; readings are spooled meanwhile');
      await sleep(delayMs, undefined, { signal });
    }
  }
}
