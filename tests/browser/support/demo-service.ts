import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { freePort } from '../../support/ports.js';
import { startProcess, type ManagedProcess } from '../../support/processes.js';

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
  const process = await startProcess({
    name: 'tanhe-demo',
    command: globalThis.process.execPath,
    args: ['--import', 'tsx', join(REPO_ROOT, 'src', 'main.ts'), '--config', configFile],
    cwd: REPO_ROOT,
    env: { ...globalThis.process.env, TANHE_CONFIG: '', TANHE_BOOTSTRAP_ADMIN_TOKEN: DEMO_ADMIN_TOKEN },
    logDir: dir,
    ready: () =>
      fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    readyTimeoutMs: 120_000,
  });
  return {
    url,
    process,
    stop: async () => {
      await process.stop({ graceMs: 20_000 });
    },
    async api<T>(path: string): Promise<T> {
      const response = await fetch(`${url}/api/v1${path}`, {
        headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` },
      });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
  };
}
