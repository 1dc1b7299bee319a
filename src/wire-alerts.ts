import {
  createFleetView,
  METHODOLOGY_VERSION,
  timeZoneOf,
  type FactorCatalogue,
  type FleetView,
} from '../accounting/index.js';
import {
  ALERT_EVALUATION_JOB,
  ALERT_LIVE_JOB,
  alertEventsOfDelivery,
  createAcknowledgeAlert,
  createAlertJobs,
  createBacktest,
  createBaselineRules,
  createListAlerts,
  readAlert,
  createMeterBaselineQuery,
  createMeterHealthRules,
  createOutboxDelivery,
  createQuotaRules,
  createResolveAlert,
  createRunChecks,
  createSmtpMailer,
  deriveAlerts,
  notificationTreeOf,
  smtpMailerOptions,
  type BacktestQuery,
  type BacktestRun,
  type RuleFamily,
  type RunChecks,
} from '../alerts/index.js';
import { readFactorCatalogue } from '../config/index.js';
import type { HttpDeps } from './http/index.js';
import type { AppConfig as Config } from './load-app-config.js';
import { systemClock } from './platform/clock.js';
import type { ScheduledJob } from './platform/index.js';
import { createLogger, type Logger } from './platform/logger.js';
import { createStores, type Stores } from './wire-stores.js';

/** The mail job: delivers what the evaluations queued, retries, digests and escalations (docs/alerts.md). */
export const ALERT_MAIL_JOB = 'alerts-mail';
export { ALERT_EVALUATION_JOB, ALERT_LIVE_JOB };

/** What the rule families read: the fleet, the factor catalogue, and the other capabilities' stores. */
export interface RuleFamilyInputs {
  readonly config: Config;
  readonly fleetView: FleetView;
  readonly catalogue: FactorCatalogue;
  readonly stores: Pick<Stores, 'readings' | 'accounting'>;
}

/**
 * The rule families the evaluation job and the backtest run (docs/alerts.md), each also kept by
 * name for the routes that show one family's view (a meter's health or baseline, quota progress).
 */
export function ruleFamilies(inputs: RuleFamilyInputs) {
  const { config, fleetView: fleet, catalogue, stores } = inputs;
  const meterHealth = createMeterHealthRules(
    { fleet, readings: stores.readings, accounting: stores.accounting },
    config.alerts.health,
  );
  const quotas = createQuotaRules(
    { store: stores.accounting, fleet, catalogue, methodologyVersion: METHODOLOGY_VERSION },
    config.alerts.quotas,
  );
  const baselineDeps = { store: stores.accounting, fleet, catalogue, readings: stores.readings };
  const baseline = createBaselineRules(baselineDeps, config.alerts.baseline);
  const all: RuleFamily[] = [meterHealth, quotas, baseline];
  // The live rules' own family, run every minute beside the full evaluation (alerts/alert-jobs.ts).
  const live: RuleFamily[] = [meterHealth.live];
  return {
    all,
    live,
    meterHealth,
    quotas,
    baselineQuery: createMeterBaselineQuery(baselineDeps, config.alerts.baseline),
  };
}

export interface AlertsWiring {
  readonly runChecks: RunChecks;
  /** The routes' use cases. */
  readonly http: Pick<HttpDeps, 'alerts' | 'meterHealth' | 'quotas' | 'baseline'>;
  /** The evaluation job and the mail job; none when alerts are off. */
  readonly jobs: readonly ScheduledJob[];
  /** Queues what the alerts call for and sends what is pending (the mail job's run). */
  deliverMail(): Promise<void>;
  close(): Promise<void>;
}

export interface AlertsWiringOptions {
  /**
   * The evaluation jobs skip their runs until this says the store has caught up (the first run's
   * simulator backfill stored): rules judging a half-loaded store would call every meter offline.
   */
  readonly caughtUp?: () => boolean;
}

/** The alerts' use cases over the alert event log and the outbox, with the families of `ruleFamilies`. */
export function wireAlerts(
  config: Config,
  stores: Stores,
  fleetView: FleetView,
  catalogue: FactorCatalogue,
  log: Logger,
  options: AlertsWiringOptions = {},
): AlertsWiring {
  const named = ruleFamilies({ config, fleetView, catalogue, stores });
  const families = named.all;
  const store = stores.alertEvents;
  const nowMs = systemClock.nowMs;
  const runChecks = createRunChecks({ families, store });
  const email = config.alerts.email;
  const mailer = createSmtpMailer(smtpMailerOptions(email.smtp, config.secrets.smtpPassword));
  const outbox = createOutboxDelivery({
    store: stores.outbox,
    mailer,
    nowMs,
    onDelivered: ({ message, sentAtMs }) => store.append(alertEventsOfDelivery(message, sentAtMs)),
  });
  const mailLog = log.child({ module: 'alert-mail' });
  const tree = notificationTreeOf(config.fleet);

  async function deliverMail() {
    const alerts = deriveAlerts(await store.events({}));
    const outcome = await outbox.run({ alerts, recipients: email.recipients, tree, settings: email });
    if (outcome.queued.length > 0 || outcome.sent.length > 0) {
      mailLog.info({ queued: outcome.queued.length, sent: outcome.sent.length }, 'alert mail delivered');
    }
    if (outcome.unrouted.length > 0) {
      mailLog.debug({ alerts: outcome.unrouted }, 'alerts without an officer at or above their org unit');
    }
    for (const { message, error } of outcome.rejected) {
      mailLog.warn({ err: error, key: message.key }, 'the SMTP server refused a message; it is retried');
    }
  }

  const timeZone = timeZoneOf(config.fleet.institutions);
  const caughtUp = options.caughtUp;
  const jobs: ScheduledJob[] = createAlertJobs({
    runChecks,
    liveFamilies: named.live,
    settings: config.alerts,
    timeZone,
    log: log.child({ module: 'alerts' }),
  }).map((job): ScheduledJob => {
    if (caughtUp === undefined) return job;
    return { ...job, run: async (context) => (caughtUp() ? job.run(context) : undefined) };
  });
  if (config.alerts.enabled) {
    jobs.push({ name: ALERT_MAIL_JOB, cron: '* * * * *', timeZone, run: deliverMail });
  }

  return {
    runChecks,
    http: {
      alerts: {
        list: createListAlerts({ store, scope: fleetView }),
        get: (alertId) => readAlert(store, alertId),
        acknowledge: createAcknowledgeAlert({ store, nowMs }),
        resolve: createResolveAlert({ store, nowMs }),
        backtest: createBacktest({ families, scope: fleetView, settings: config.alerts.lifecycle }),
      },
      meterHealth: named.meterHealth,
      quotas: (query) => named.quotas.progress(query),
      baseline: named.baselineQuery,
    },
    jobs,
    deliverMail,
    close: () => mailer.close(),
  };
}

/**
 * `tanhe alerts backtest`: the same backtest as the HTTP route, over the configured store, in this
 * process. Nothing is written (the tables are created if missing) and nothing is mailed. An embedded
 * DuckDB file is locked by a running service: against it, run the backtest over HTTP instead.
 */
export async function runAlertsBacktest(config: Config, query: BacktestQuery): Promise<BacktestRun> {
  const stores = createStores(config);
  // Silent: the command's output is the backtest (stdout), and nothing here mails or schedules.
  const alerts = wireAlerts(
    config,
    stores,
    createFleetView(config.fleet),
    readFactorCatalogue(config),
    createLogger('silent'),
  );
  try {
    await stores.init();
    return await alerts.http.alerts.backtest(query);
  } finally {
    await alerts.close();
    await stores.close();
  }
}
