import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildServer, SERVER_ENTRY } from '../../scripts/build-server.js';
import { REJECTION_REASONS } from '../../src/kernel/index.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/ports.js';
import { makeTempDir, removeTempDir, startProcess, type ManagedProcess } from '../support/processes.js';

// README, "Two commands on a fresh machine": `npm start` on the demo config (config/demo.yaml): the embedded
// broker, DuckDB, the demo fleet, the simulator's backfill over real MQTT, the local SMTP receiver. The test
// runs what `npm start` runs (node dist/server/main.js, built first) on that config with only the deployment's paths
// and ports changed (temp dir, free ports), and two simulator settings: a 7-day backfill instead of 60 (the
// 60 days take minutes on a loaded 2-core machine; the path is the same), and live readings an hour apart,
// so that the report and the series compared below see the same readings.

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DAY_MS = 86_400_000;
const BACKFILL_DAYS = 7;
const TOKEN_BANNER = 'Demo administrator token (shown once, valid 30 days):';

interface DemoFleet {
  institutions: { id: string }[];
  meters: { id: string; building: string }[];
  buildings: { id: string; institution: string }[];
}

/** The settings of config/demo.yaml this test moves to its temp dir and free ports (the rest is kept). */
interface DemoConfig {
  http: { port: number };
  mqtt: { url: string };
  store: { duckdbPath: string };
  spool: { dir: string };
  simulator: { backfillDays: number; liveIntervalMs: number };
  alerts: { email: { smtp: { port: number }; demoReceiver: { port: number; dir: string } } };
  fleetFile: string;
}

let dir: string;
let service: ManagedProcess | undefined;
let httpUrl: string;
let mailDir: string;
const demoFleet = parse(readFileSync(join(REPO_ROOT, 'config', 'demo-fleet.yaml'), 'utf8')) as DemoFleet;

beforeAll(async () => {
  dir = await makeTempDir('first-run');
  const demo = parse(readFileSync(join(REPO_ROOT, 'config', 'demo.yaml'), 'utf8')) as DemoConfig;
  const [httpPort, mqttPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
  httpUrl = `http://127.0.0.1:${httpPort}`;
  mailDir = join(dir, 'mail');
  demo.http.port = httpPort;
  demo.mqtt.url = `mqtt://127.0.0.1:${mqttPort}`;
  demo.store.duckdbPath = join(dir, 'tanhe.duckdb');
  demo.spool.dir = join(dir, 'spool');
  demo.simulator.backfillDays = BACKFILL_DAYS;
  demo.simulator.liveIntervalMs = 3_600_000;
  demo.alerts.email.smtp.port = smtpPort;
  demo.alerts.email.demoReceiver.port = smtpPort;
  demo.alerts.email.demoReceiver.dir = mailDir;
  demo.fleetFile = join(REPO_ROOT, 'config', 'demo-fleet.yaml');
  const configFile = join(dir, 'demo.yaml');
  writeFileSync(configFile, stringify(demo));
  // No TANHE_* from the caller's environment: the first run is the config alone.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TANHE_')));
  await buildServer();
  service = await startProcess({
    name: 'tanhe-first-run',
    command: process.execPath,
    args: [SERVER_ENTRY, '--config', configFile],
    cwd: REPO_ROOT,
    env,
    logDir: dir,
    ready: () =>
      fetch(`${httpUrl}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    readyTimeoutMs: 120_000,
  });
}, 180_000);
afterAll(async () => {
  await service?.stop({ graceMs: 30_000 });
  if (dir) await removeTempDir(dir);
});

it(
  'npm start on the demo config: token once, ready, every meter stored, quarantine, report, alert mail',
  { timeout: 600_000 },
  async () => {
    const log = () => service?.readLog() ?? '';
    // The demo token: printed once, then every API route takes it.
    const token = await eventually(
      () => {
        const match = new RegExp(`${escape(TOKEN_BANNER)}\\s+(tnh_\\S+)`).exec(log());
        if (!match?.[1]) throw new Error('no demo token printed yet');
        return match[1];
      },
      { timeoutMs: 120_000, message: 'the demo token printed' },
    );
    expect(log().split(TOKEN_BANNER).length - 1).toBe(1);
    const api = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    expect((await fetch(`${httpUrl}/api/v1/meters`)).status).toBe(401);

    // Ready once the embedded broker, the store and the spool are up.
    await eventually(
      async () => {
        const response = await fetch(`${httpUrl}/readyz`);
        if (response.status !== 200) throw new Error(`readyz ${response.status}: ${await response.text()}`);
      },
      { timeoutMs: 120_000, message: '/readyz 200' },
    );

    // The backfill published (the simulator says how many malformed payloads it sent) and stored (spool empty).
    const published = await eventually(
      () => {
        const line = jsonLines(log()).find((l) => l.msg === 'simulator backfill published');
        if (!line) throw new Error('backfill not yet published');
        return line as { readings: number; malformed: number };
      },
      { timeoutMs: 480_000, intervalMs: 1_000, message: 'the simulator backfill published' },
    );
    expect(published.malformed).toBeGreaterThan(0);
    await eventually(
      async () => {
        const ready = await api<{ spool: { backlogRecords: number } }>('/readyz');
        if (ready.spool.backlogRecords !== 0) throw new Error(`spool backlog ${ready.spool.backlogRecords}`);
      },
      { timeoutMs: 240_000, intervalMs: 1_000, message: 'the backfill drained into DuckDB' },
    );

    // Readings of every demo meter are stored.
    const { meters } = await api<{ meters: { id: string; institution: string; readings: number }[] }>('/api/v1/meters');
    expect(meters.map((m) => m.id).sort()).toEqual(demoFleet.meters.map((m) => m.id).sort());
    expect(meters.filter((m) => m.readings === 0).map((m) => m.id)).toEqual([]);

    // The quarantine holds the simulator's malformed payloads, each with a listed reason code.
    const quarantine = await api<{ items: { reason: string; payload: string }[]; nextCursor: string | null }>(
      '/api/v1/quarantine?limit=5000',
    );
    expect(quarantine.nextCursor).toBeNull();
    expect(quarantine.items.length).toBeGreaterThanOrEqual(published.malformed);
    expect(quarantine.items.filter((i) => !(REJECTION_REASONS as readonly string[]).includes(i.reason))).toEqual([]);
    const reasons = new Set(quarantine.items.map((i) => i.reason));
    for (const reason of ['schema_violation', 'negative_register', 'non_finite_number'])
      expect(reasons).toContain(reason);

    // The region's monthly report over HTTP: the three demo institutions, positive totals, and each line's
    // consumption equal to the consumption series of its carrier summed over the month.
    const period = reportPeriod(Date.now());
    const report = await api<Report>(`/api/v1/reports/carbon?org=nx&period=${period}`);
    expect(report.institutionCount).toBe(3);
    const institutionOf = new Map(meters.map((m) => [m.id, m.institution]));
    const reported = new Set(report.lines.flatMap((l) => l.meterIds.map((id) => institutionOf.get(id))));
    expect([...reported].sort()).toEqual(demoFleet.institutions.map((i) => i.id).sort());
    expect(report.totals.kgce).toBeGreaterThan(0);
    expect(report.totals.co2eKg).toBeGreaterThan(0);
    const series = await api<{ series: Series[] }>(
      `/api/v1/consumption?org=nx&bucket=day&from=${encodeURIComponent(report.period.from)}` +
        `&to=${encodeURIComponent(report.period.to)}`,
    );
    const compared: string[] = [];
    for (const line of report.lines.filter((l) => ['location', 'combustion', 'resource'].includes(l.method))) {
      const match = series.series.find((s) => s.carrier === line.carrier && s.unit === line.unit);
      if (!match) throw new Error(`no consumption series for the ${line.carrier} line (${line.unit})`);
      const summed = match.buckets.reduce((sum, b) => sum + b.consumption, 0);
      expect(line.consumption, `${line.carrier} (${line.unit})`).toBeCloseTo(summed, 6);
      if (line.carrier === 'electricity') expect(summed).toBeGreaterThan(0);
      compared.push(line.carrier);
    }
    expect(compared).toContain('electricity');
    // The electricity line's standard coal is its kWh at GB/T 2589's equivalent value (config/factors.yaml).
    const electricity = report.lines.find((l) => l.carrier === 'electricity' && l.method === 'location');
    expect(electricity?.kgce).toBeCloseTo((electricity?.consumption ?? NaN) * 0.1229, 6);

    // The local SMTP receiver got the alert mail: .eml files under the data dir.
    const mails = await eventually(
      () => {
        const files = listEml(mailDir);
        if (files.length === 0) throw new Error('no .eml yet');
        return files;
      },
      { timeoutMs: 300_000, intervalMs: 1_000, message: 'an alert mail in the demo receiver' },
    );
    const first = readFileSync(join(mailDir, mails[0] ?? ''), 'utf8');
    expect(first).toMatch(/^Subject: /m);
    expect(first).toMatch(/^To: /m);
    expect(first).toContain('@example.org');
  },
);

interface Line {
  carrier: string;
  method: string;
  unit: string;
  consumption: number;
  kgce: number | null;
  meterIds: string[];
}
interface Report {
  period: { label: string; from: string; to: string };
  institutionCount: number;
  lines: Line[];
  totals: { kgce: number; co2eKg: number };
}
interface Series {
  carrier: string;
  unit: string;
  buckets: { consumption: number }[];
}

/**
 * The demo institutions' month (Asia/Shanghai) as of 36 h ago: the month in progress once it holds a day and a
 * half of readings, else the month before, which the 7-day backfill then covers for at least 5 days.
 */
function reportPeriod(nowMs: number): string {
  const local = new Date(nowMs - 1.5 * DAY_MS + 8 * 3_600_000);
  return `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
}

function jsonLines(log: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by the read while it was written
    }
  }
  return lines;
}

function listEml(path: string): string[] {
  try {
    return readdirSync(path).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
