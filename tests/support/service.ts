import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { buildServer, SERVER_ENTRY } from '../../scripts/build-server.js';
import { eventually } from './eventually.js';
import { freePort } from './ports.js';
import { startProcess, type ManagedProcess, type ProcessExit } from './processes.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The administrator token over the whole fleet that the service makes sure exists (TANHE_BOOTSTRAP_ADMIN_TOKEN). */
export const SERVICE_ADMIN_TOKEN = `tnh_00000000000000ad_${'B'.repeat(43)}`;

export interface ServiceOptions {
  readonly dir: string;
  readonly mqttUrl: string;
  readonly store: { kind: 'questdb'; questdbUrl: string } | { kind: 'duckdb' };
  readonly fleet: object;
  readonly clientId?: string;
  /** Share the subscription with other workers of this group ($share/<group>/…). */
  readonly sharedGroup?: string;
  readonly spool?: Record<string, unknown>;
  /** The `simulator:` section (off when absent). */
  readonly simulator?: Record<string, unknown>;
  /** The `alerts:` section; off when absent, so that tests about other things do not also evaluate rules. */
  readonly alerts?: Record<string, unknown>;
  /** How long start() waits for /healthz (default 60 s). */
  readonly readyTimeoutMs?: number;
  /** Extra environment of the process (secrets such as TANHE_SMTP_PASSWORD, which the YAML must not hold). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ServiceHandle {
  readonly httpUrl: string;
  readonly configFile: string;
  start(): Promise<void>;
  /** SIGKILL: the process gets no chance to drain or flush. */
  kill(): Promise<void>;
  /** SIGTERM: graceful shutdown, drains the spool; resolves with how it ended (undefined if never started). */
  stop(): Promise<ProcessExit | undefined>;
  /** fetch on the service with the administrator token (SERVICE_ADMIN_TOKEN) as bearer. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** The /metrics counters that start with tanhe_, summed over labels. */
  metrics(): Promise<Record<string, number>>;
  readLog(): string;
  /** True between start() and the process's end (a crash included). */
  isRunning(): boolean;
}

/**
 * Runs the real service as a child process (the compiled dist/server, as `npm start` does) with
 * a generated config, so that tests can kill it like a crash would.
 */
export async function createService(options: ServiceOptions): Promise<ServiceHandle> {
  const port = await freePort();
  const httpUrl = `http://127.0.0.1:${port}`;
  const name = options.clientId ?? 'tanhe';
  const configFile = join(options.dir, `${name}.yaml`);
  writeFileSync(
    configFile,
    stringify({
      http: { host: '127.0.0.1', port },
      mqtt: {
        embedded: false,
        url: options.mqttUrl,
        clientId: options.clientId ?? 'tanhe-test-ingest',
        ...(options.sharedGroup ? { sharedGroup: options.sharedGroup } : {}),
      },
      store:
        options.store.kind === 'questdb'
          ? { kind: 'questdb', questdbUrl: options.store.questdbUrl }
          : { kind: 'duckdb', duckdbPath: join(options.dir, 'store.duckdb') },
      spool: { dir: join(options.dir, `${name}-spool`), ...options.spool },
      log: { level: 'info' },
      fleet: options.fleet,
      ...(options.simulator ? { simulator: options.simulator } : {}),
      alerts: options.alerts ?? { enabled: false },
    }),
  );
  let process: ManagedProcess | undefined;
  const logFile = join(options.dir, `${name}.log`);
  /**
   * The port was free when it was picked, but another process can bind it before this one does (tests start
   * several services at once). Then another service answers /healthz: ready is when /healthz answers AND this
   * process's own log, since this start, says it listens (startProcess appends to one log across restarts).
   */
  const healthy = async (logFrom: number) =>
    (await fetch(`${httpUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    )) && readFileSync(logFile).subarray(logFrom).toString('utf8').includes('"msg":"HTTP listening"');
  return {
    httpUrl,
    configFile,
    async start() {
      // What `npm start` runs: the compiled service, built first when a source is newer (scripts/build-server.ts).
      await buildServer();
      const logFrom = existsSync(logFile) ? statSync(logFile).size : 0;
      process = await startProcess({
        name,
        command: globalThis.process.execPath,
        args: [SERVER_ENTRY, '--config', configFile],
        cwd: REPO_ROOT,
        env: {
          ...globalThis.process.env,
          TANHE_CONFIG: '',
          TANHE_BOOTSTRAP_ADMIN_TOKEN: SERVICE_ADMIN_TOKEN,
          ...options.env,
        },
        logDir: options.dir,
        ready: () => healthy(logFrom),
        readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
      });
    },
    async kill() {
      await process?.kill();
    },
    async stop() {
      return await process?.stop({ graceMs: 30_000 });
    },
    fetch: (path, init = {}) =>
      fetch(`${httpUrl}${path}`, {
        ...init,
        headers: {
          ...(init.headers as Record<string, string> | undefined),
          authorization: `Bearer ${SERVICE_ADMIN_TOKEN}`,
        },
      }),
    async metrics() {
      const text = await eventually(async () => {
        const response = await fetch(`${httpUrl}/metrics`);
        if (!response.ok) throw new Error(`metrics: ${response.status}`);
        return response.text();
      });
      const totals: Record<string, number> = {};
      for (const line of text.split('\n')) {
        const match = /^(tanhe_[a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
        if (match?.[1] && match[3]) totals[match[1]] = (totals[match[1]] ?? 0) + Number(match[3]);
      }
      return totals;
    },
    readLog: () => process?.readLog() ?? '',
    isRunning: () => process?.isRunning() ?? false,
  };
}
