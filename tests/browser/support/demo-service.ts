import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { freePort } from '../../support/ports.js';
import { ProcessStartError, startProcess, tail, type ManagedProcess } from '../../support/processes.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The administrator token over the whole fleet the service makes sure exists (TANHE_BOOTSTRAP_ADMIN_TOKEN). */
export const DEMO_ADMIN_TOKEN = `tnh_00000000000000da_${'D'.repeat(43)}`;

/**
 * Days of simulated history. The demo's 60 days take minutes on a loaded 2-core machine; 35 days still give
 * two calendar months (the month buckets), last year's comparison stays empty either way.
 */
export const DEMO_BACKFILL_DAYS = 35;

export interface DemoService {
  readonly url: string;
  readonly process: ManagedProcess;
  /**
   * Aborted, with the exit and the log's tail as its reason, if the service ends before stop() is called: pass
   * it to eventually() so a test that waits on the service fails at once with the cause, not after its timeout.
   */
  readonly died: AbortSignal;
  stop(): Promise<void>;
  /** fetch an /api/v1 path with the administrator token. */
  api<T>(path: string): Promise<T>;
}

/**
 * The real service on the embedded default, as `npm start` runs it: config/demo.yaml (the demo fleet, the
 * embedded broker, DuckDB, the simulator, the alert rules and the local mail receiver), with every port free
 * and every path in `dir`, so that it collides with nothing else on the machine.
 */
export async function startDemoService(dir: string, options: { backfillDays?: number } = {}): Promise<DemoService> {
  // freePort() can race with another process for a port (three here: HTTP, MQTT, SMTP); retry on "address in use".
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchDemoService(dir, options);
    } catch (error) {
      const inUse = error instanceof ProcessStartError && /EADDRINUSE|address already in use/i.test(error.log);
      if (!inUse || attempt >= 3) throw error;
    }
  }
}

/** The line main.ts prints once every component has started (HTTP answers earlier, while the rest still starts). */
const RUNNING_LINE = 'tanhe is running:';

async function launchDemoService(dir: string, options: { backfillDays?: number }): Promise<DemoService> {
  // Only the parts changed here are typed; the rest passes through as the demo has it.
  type Section = Record<string, unknown>;
  const demo = parse(readFileSync(join(REPO_ROOT, 'config', 'demo.yaml'), 'utf8')) as {
    [key: string]: unknown;
    http: Section;
    mqtt: Section;
    spool: Section;
    simulator: Section;
    alerts: { email: { smtp: Section; demoReceiver: Section } };
  };
  const [httpPort, mqttPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
  demo.http = { ...demo.http, host: '127.0.0.1', port: httpPort };
  demo.mqtt = { ...demo.mqtt, url: `mqtt://127.0.0.1:${mqttPort}`, clientId: 'tanhe-browser-test' };
  demo.store = { kind: 'duckdb', duckdbPath: join(dir, 'tanhe.duckdb') };
  demo.spool = { ...demo.spool, dir: join(dir, 'spool') };
  demo.simulator = { ...demo.simulator, backfillDays: options.backfillDays ?? DEMO_BACKFILL_DAYS };
  demo.alerts.email.smtp = { ...demo.alerts.email.smtp, port: smtpPort };
  demo.alerts.email.demoReceiver = { ...demo.alerts.email.demoReceiver, port: smtpPort, dir: join(dir, 'mail') };
  demo.fleetFile = join(REPO_ROOT, 'config', 'demo-fleet.yaml');
  const configFile = join(dir, 'tanhe.yaml');
  writeFileSync(configFile, stringify(demo));
  const url = `http://127.0.0.1:${httpPort}`;
  const logFile = join(dir, 'tanhe-demo.log');
  // A retry after a port collision starts with a fresh log and store.
  rmSync(logFile, { force: true });
  rmSync(join(dir, 'tanhe.duckdb'), { force: true });
  const process = await startProcess({
    name: 'tanhe-demo',
    command: globalThis.process.execPath,
    args: ['--import', 'tsx', join(REPO_ROOT, 'src', 'main.ts'), '--config', configFile],
    cwd: REPO_ROOT,
    env: { ...globalThis.process.env, TANHE_CONFIG: '', TANHE_BOOTSTRAP_ADMIN_TOKEN: DEMO_ADMIN_TOKEN },
    logDir: dir,
    ready: () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes(RUNNING_LINE),
    readyTimeoutMs: 120_000,
  });
  let stopping = false;
  const death = new AbortController();
  void process.exited.then((exit) => {
    if (stopping) return;
    const how = exit.signal === null ? `exit code ${String(exit.code)}` : `signal ${exit.signal}`;
    death.abort(new Error(`the demo service ended (${how})\n--- last log lines ---\n${tail(process.readLog(), 60)}`));
  });
  return {
    url,
    process,
    died: death.signal,
    stop: async () => {
      stopping = true;
      await process.stop({ graceMs: 20_000 });
    },
    async api<T>(path: string): Promise<T> {
      death.signal.throwIfAborted();
      const response = await fetch(`${url}/api/v1${path}`, {
        headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` },
      });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
  };
}
