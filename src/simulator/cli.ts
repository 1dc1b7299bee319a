import { parseArgs } from 'node:util';
import { configFileFrom } from '../../config/index.js';
import { AppError, DAY_MS, MINUTE_MS, parseIsoInstant } from '../kernel/index.js';
import { createLogger } from '../platform/logger.js';
import {
  DEMO_REGISTER_ORIGIN_MS,
  FAULT_DESCRIPTIONS,
  FAULT_KINDS,
  faultsFor,
  parseFaultKinds,
  type FaultKind,
  type JsonTimestampStyle,
} from './core/index.js';
import { runSimulator, type MessageSink, type RunSimulatorOptions, type SimulatorLog } from './publish.js';
import type { SimulatorConfig } from './simulator-settings.js';

/**
 * `tanhe simulate …` (also `npm run simulate -- …`): publishes the fleet's
 * simulated readings to an MQTT broker. Without --live it backfills and exits;
 * with --live it then publishes real-time readings until SIGINT or SIGTERM.
 */
export const SIMULATE_USAGE = `usage: tanhe simulate [options]

  --config FILE           settings and fleet (default: TANHE_CONFIG, else config/demo.yaml)
  --url URL               MQTT broker (default: the config's mqtt.url)
  --from ISO              backfill start: ISO-8601 with offset, or YYYY-MM-DD (local midnight, +08:00)
  --to ISO                backfill end (default: now)
  --days N                backfill length when --from is absent (default: simulator.backfillDays)
  --interval-minutes N    backfill reading interval (default: 15)
  --batch-size N          readings per json gateway batch / records per SenML pack (default: 96)
  --live                  after the backfill, publish real-time readings until stopped
  --live-interval-ms N    live tick period (default: simulator.liveIntervalMs)
  --rate N                at most N messages per second (default: unlimited; back-pressure always applies)
  --faults LIST           comma-separated fault kinds, or all / none (default: none)
  --fault-scale X         multiply the default fault rates (default: 1)
  --seed N                PRNG seed (default: simulator.seed)
  --client-id ID          MQTT client id (default: tanhe-simulator-<pid>)
  --username NAME         MQTT user (default: mqtt.username); the password comes from TANHE_MQTT_PASSWORD
  --json-timestamps S     iso | epoch | mixed (default: mixed, alternating by meter)
  --dry-run               print "topic payload" lines to stdout instead of publishing
  --help

fault kinds:
${FAULT_KINDS.map((k) => `  ${k.padEnd(15)} ${FAULT_DESCRIPTIONS[k]}`).join('\n')}
`;

const OPTIONS = {
  config: { type: 'string' },
  url: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  days: { type: 'string' },
  'interval-minutes': { type: 'string' },
  'batch-size': { type: 'string' },
  live: { type: 'boolean' },
  'live-interval-ms': { type: 'string' },
  rate: { type: 'string' },
  faults: { type: 'string' },
  'fault-scale': { type: 'string' },
  seed: { type: 'string' },
  'client-id': { type: 'string' },
  username: { type: 'string' },
  'json-timestamps': { type: 'string' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

export interface SimulateCommand {
  readonly help: boolean;
  readonly dryRun: boolean;
  readonly faultKinds: readonly FaultKind[];
  /** Everything runSimulator needs except the logger (and sink). */
  readonly options: Omit<RunSimulatorOptions, 'log' | 'sink'>;
}

/**
 * Parses the flags against a loaded configuration. Every problem is collected
 * and thrown at once as AppError('CONFIG_INVALID') with the list in `details`.
 */
export function parseSimulateArgs(
  argv: readonly string[],
  config: SimulatorConfig,
  nowMs: number,
  pid = 0,
): SimulateCommand {
  const problems: string[] = [];
  let values: Partial<Record<keyof typeof OPTIONS, string | boolean>>;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new AppError('CONFIG_INVALID', `tanhe simulate: ${(error as Error).message}\n\n${SIMULATE_USAGE}`, {
      details: [(error as Error).message],
    });
  }
  const text = (key: keyof typeof OPTIONS) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const number = (key: keyof typeof OPTIONS, fallback: number, check: (n: number) => boolean, what: string): number => {
    const raw = text(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || !check(n)) problems.push(`--${key} ${raw}: expected ${what}`);
    return n;
  };
  const instant = (key: 'from' | 'to'): number | undefined => {
    const raw = text(key);
    if (raw === undefined) return undefined;
    const ms = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? parseIsoInstant(`${raw}T00:00:00+08:00`) : parseIsoInstant(raw);
    if (ms === undefined) problems.push(`--${key} ${raw}: expected an ISO-8601 instant with offset, or YYYY-MM-DD`);
    return ms;
  };

  const intervalMs =
    number('interval-minutes', 15, (n) => Number.isInteger(n) && n >= 1 && n <= 1440, 'whole minutes 1–1440') *
    MINUTE_MS;
  const days = number('days', config.simulator.backfillDays, (n) => n >= 0 && n <= 3660, 'days 0–3660');
  const toMs = instant('to') ?? Math.floor(nowMs / intervalMs) * intervalMs;
  const fromMs = instant('from') ?? toMs - days * DAY_MS;
  if (!(fromMs <= toMs)) problems.push('--from must not be after --to');

  let faultKinds: FaultKind[] = [];
  const faultText = text('faults');
  if (faultText !== undefined) {
    const parsed = parseFaultKinds(faultText);
    if (typeof parsed === 'string') problems.push(`--faults: ${parsed}`);
    else faultKinds = parsed;
  }
  const scale = number('fault-scale', 1, (n) => n >= 0, 'a non-negative number');
  const jsonTimestamps = (text('json-timestamps') ?? 'mixed') as JsonTimestampStyle;
  if (!['iso', 'epoch', 'mixed'].includes(jsonTimestamps))
    problems.push(`--json-timestamps ${jsonTimestamps}: expected iso, epoch or mixed`);
  const rate =
    text('rate') === undefined
      ? undefined
      : number('rate', 0, (n) => n > 0, 'a positive number of messages per second');
  const username = text('username') ?? config.secrets.mqttUsername;
  const password = config.secrets.mqttPassword;

  const options: Omit<RunSimulatorOptions, 'log' | 'sink'> = {
    mqttUrl: text('url') ?? config.mqtt.url,
    fleet: config.fleet,
    fromMs,
    toMs,
    intervalMs,
    // The demo's fixed register origin: a second run over the same range sends the same registers.
    registerOriginMs: DEMO_REGISTER_ORIGIN_MS,
    live: values.live === true,
    liveIntervalMs: number(
      'live-interval-ms',
      config.simulator.liveIntervalMs,
      (n) => Number.isInteger(n) && n >= 1000,
      'whole milliseconds ≥ 1000',
    ),
    batchSize: number('batch-size', 96, (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1'),
    ...(rate !== undefined ? { ratePerSecond: rate } : {}),
    faults: faultsFor(faultKinds, scale),
    seed: number('seed', config.simulator.seed, Number.isInteger, 'an integer'),
    clientId: text('client-id') ?? `tanhe-simulator-${pid}`,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    jsonTimestamps,
  };
  if (!/^mqtts?:\/\//.test(options.mqttUrl))
    problems.push(`--url ${options.mqttUrl}: expected mqtt://host:port or mqtts://host:port`);
  if (problems.length > 0) {
    throw new AppError(
      'CONFIG_INVALID',
      `tanhe simulate: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { details: problems },
    );
  }
  return { help: values.help === true, dryRun: values['dry-run'] === true, faultKinds, options };
}

/**
 * Loads the whole configuration of a file (strict, every problem at once). Passed in by
 * the shell (src/load-app-config.ts composes the sections), since the simulator cannot
 * import the shell that imports it.
 */
export type LoadSimulatorConfig = (file: string, env: NodeJS.ProcessEnv) => SimulatorConfig;

export async function runSimulateCommand(argv: string[], loadConfig: LoadSimulatorConfig): Promise<void> {
  if (argv.includes('--help')) {
    process.stdout.write(SIMULATE_USAGE);
    return;
  }
  const config = loadConfig(configFileFrom(argv, process.env), process.env);
  const command = parseSimulateArgs(argv, config, Date.now(), process.pid);
  const log: SimulatorLog = createLogger(config.log.level).child({ module: 'simulator' });
  log.info(
    {
      url: command.options.mqttUrl,
      from: new Date(command.options.fromMs).toISOString(),
      to: new Date(command.options.toMs).toISOString(),
      live: command.options.live,
      faults: command.faultKinds,
      seed: command.options.seed,
      dryRun: command.dryRun,
    },
    'simulator: starting',
  );
  const handle = await runSimulator({ ...command.options, log, ...(command.dryRun ? { sink: stdoutSink() } : {}) });
  if (!command.options.live) {
    await handle.finished;
    return;
  }
  // Live: run until a signal (or a failure), then stop cleanly.
  const onSignal = () => void handle.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await handle.finished;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** --dry-run: one "topic payload" line per message on stdout, honouring the stream's back-pressure. */
function stdoutSink(): MessageSink {
  return {
    publish: (m) =>
      new Promise<void>((resolve, reject) => {
        process.stdout.write(`${m.topic} ${m.payload}\n`, (error) => (error ? reject(error) : resolve()));
      }),
    close: async () => undefined,
  };
}
