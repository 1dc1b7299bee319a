import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ALERT_RULES, type AlertRule } from '../../alerts/index.js';
import { eventually } from '../support/eventually.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';
import { makeTempDir, removeTempDir } from '../support/processes.js';
import { closePublisher, connectPublisher, publishAll, type OutgoingMessage } from '../support/publisher.js';
import { createService, type ServiceHandle } from '../support/service.js';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

// Issue 8, "Done when": against real Mosquitto, the service as a process on DuckDB and a real SMTP
// server with STARTTLS and AUTH, an alert of every rule kind is raised, mailed, acknowledged and
// resolved (docs/alerts.md). The readings are crafted so that each rule fires on its own meter.
//
// The time of the test is the wall clock (the service judges "now"): every reading lies before it,
// the last hourly reading at the last whole hour. The institution is in Asia/Shanghai (UTC+8 all
// year, no daylight saving), so its local hours are UTC hours and its midnight is 16:00Z.
//
// Two runs of the service share one store: the first ingests everything with alerts off, the second
// starts with alerts on, so its first evaluation (at start) sees all the data at once and its first
// mail run sends the critical alerts and one digest holding every warning and info alert. With alerts
// on while the readings arrive, a digest could go out with half of them, and the rest would wait
// for tomorrow's (docs/alerts.md, "Email").

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;
const OFFICER = 'energy.officer@nx.example.org';

const nowMs = Date.now();
/** The last reading of every reporting meter: the last whole hour before the test began. */
const endMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
/** Local midnight (Asia/Shanghai) of the day before endMs's local day: the anomaly starts there. */
const anomalyStartMs = Math.floor((endMs + SHANGHAI_OFFSET_MS) / DAY_MS) * DAY_MS - SHANGHAI_OFFSET_MS - DAY_MS;
const localYear = new Date(nowMs + SHANGHAI_OFFSET_MS).getUTCFullYear();

type MeterSpec = { id: string; parent?: string; ratedMaxPerHour?: number };
// A rating keeps the anomaly's readings booked: without one, the plausibility bound learned from the
// meter's steady 5 kWh/h (docs/methodology.md §6) would hold them as implausible jumps.
const METERS: readonly MeterSpec[] = [
  { id: 'base', ratedMaxPerHour: 100 }, // 30 days at 5 kWh/h, then from the anomaly's start 50 kWh/h: baseline_anomaly, off_hours_waste
  { id: 'main' }, // 30 kWh/h, its two children 10 kWh/h together: submeter_imbalance
  { id: 'c1', parent: 'main' }, // flat for the last 10 h while main and c2 move: stuck_register
  { id: 'c2', parent: 'main' },
  { id: 'silent' }, // no reading for the last 10 h (4 expected intervals make offline): meter_offline
  { id: 'jumpy', ratedMaxPerHour: 100 }, // +10 000 kWh in one hour, 5 h ago: held_readings
  { id: 'seqgap' }, // its seq skips 3 numbers 6 h ago: sequence_gap
  { id: 'skewed' }, // one reading stamped 2 h in the future, quarantined: clock_skew
  { id: 'badpay' }, // 10 payloads with no valid timestamp among 96 readings, all arriving now: quarantine_rate
];

/** What each kind is expected on: the subject of one alert of every rule. */
const SUBJECT_OF: Readonly<Record<AlertRule, string>> = {
  quota_prorated: 'inst1',
  quota_annual: 'inst1',
  quota_projection: 'inst1',
  baseline_anomaly: 'base',
  off_hours_waste: 'base',
  meter_offline: 'silent',
  stuck_register: 'c1',
  held_readings: 'jumpy',
  sequence_gap: 'seqgap',
  clock_skew: 'skewed',
  submeter_imbalance: 'main',
  quarantine_rate: 'badpay',
};
const JUSTIFIED: ReadonlySet<AlertRule> = new Set(['quota_prorated', 'quota_annual', 'quota_projection']);

function fleet() {
  return {
    orgs: [{ id: 'nx', name: '宁夏回族自治区', level: 'region' }],
    institutions: [
      {
        id: 'inst1',
        name: '测试行政中心',
        org: 'nx',
        type: 'government_office',
        timezone: 'Asia/Shanghai',
        // The quota figures are the carbon report's, which needs the grid's emission factor even for tce.
        gridRegion: 'northwest',
        floorAreaM2: [{ from: '2020-01-01', value: 10000 }],
        occupants: [{ from: '2020-01-01', value: 500 }],
      },
    ],
    buildings: [{ id: 'b1', institution: 'inst1', name: '主楼' }],
    meters: METERS.map((m) => ({
      id: m.id,
      building: 'b1',
      carrier: 'electricity',
      unit: 'kWh',
      expectedIntervalMinutes: 60,
      ...(m.parent ? { parent: m.parent } : {}),
      ...(m.ratedMaxPerHour ? { ratedMaxPerHour: m.ratedMaxPerHour } : {}),
    })),
  };
}

interface Reading {
  readonly ts: string;
  readonly value: number;
  readonly seq?: number;
}

/** Hourly readings from `fromMs` to endMs, the register advancing by `rateAt(ts)` over each hour. */
function hourly(fromMs: number, toMs: number, rateAt: (hourStartMs: number) => number): Reading[] {
  const readings: Reading[] = [];
  let value = 1000;
  for (let ts = fromMs; ts <= toMs; ts += HOUR_MS) {
    if (ts > fromMs) value += rateAt(ts - HOUR_MS);
    readings.push({ ts: new Date(ts).toISOString(), value });
  }
  return readings;
}

function readingsOf(id: string): Reading[] {
  const shortFrom = endMs - 4 * DAY_MS;
  switch (id) {
    case 'base':
      return hourly(endMs - 30 * DAY_MS, endMs, (h) => (h >= anomalyStartMs ? 50 : 5));
    case 'main':
      return hourly(shortFrom, endMs, () => 30);
    case 'c1':
      return hourly(shortFrom, endMs, (h) => (h >= endMs - 10 * HOUR_MS ? 0 : 5));
    case 'silent':
      return hourly(shortFrom, endMs - 10 * HOUR_MS, () => 5);
    case 'jumpy':
      return hourly(shortFrom, endMs, (h) => (h === endMs - 6 * HOUR_MS ? 10_005 : 5));
    case 'seqgap':
      return hourly(shortFrom, endMs, () => 5).map((r, i) => ({
        ...r,
        seq: Date.parse(r.ts) >= endMs - 6 * HOUR_MS ? i + 4 : i + 1,
      }));
    default:
      return hourly(shortFrom, endMs, () => 5);
  }
}

function messages(): { valid: OutgoingMessage[]; bad: OutgoingMessage[] } {
  const valid: OutgoingMessage[] = [];
  for (const meter of METERS) {
    for (const reading of readingsOf(meter.id)) {
      valid.push({ topic: `meters/${meter.id}/readings`, payload: JSON.stringify(reading) });
    }
  }
  const bad: OutgoingMessage[] = [
    // Ahead of the service clock by far more than ingest.maxFutureSkewMs (5 min): future_timestamp.
    {
      topic: 'meters/skewed/readings',
      payload: JSON.stringify({ ts: new Date(nowMs + 2 * HOUR_MS).toISOString(), value: 999_999 }),
    },
    // Counted against every reading that arrived in the window (about 10 %, threshold 5 %).
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => ({
      topic: 'meters/badpay/readings',
      payload: JSON.stringify({ ts: `yesterday at ${i}`, value: 1 }),
    })),
  ];
  return { valid, bad };
}

interface ApiAlert {
  id: string;
  rule: AlertRule;
  subject: { kind: string; id: string };
  window: string;
  severity: string;
  state: string;
  notified: { at: string; recipients: string[] } | null;
  acknowledged: { by: string; justification: string } | null;
  resolved: { by: string; note: string | null } | null;
}

let dir: string;
let broker: MosquittoHandle;
let smtp: TestSmtpServer;
let service: ServiceHandle | undefined;

beforeAll(async () => {
  dir = await makeTempDir('alerts-email');
  [broker, smtp] = await Promise.all([startMosquitto(), startTestSmtpServer()]);
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await broker?.dispose();
  await smtp?.close();
  if (dir) await removeTempDir(dir);
}, 60_000);

async function api<T>(method: 'GET' | 'POST', path: string, body?: object): Promise<{ status: number; json: T }> {
  if (!service) throw new Error('the service is not running');
  const response = await service.fetch(path, {
    method,
    ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as T };
}

async function listAlerts(): Promise<ApiAlert[]> {
  const { status, json } = await api<{ items: ApiAlert[] }>('GET', '/api/v1/alerts?limit=1000');
  expect(status).toBe(200);
  return json.items;
}

it('raises, mails, acknowledges and resolves an alert of every rule kind', { timeout: 240_000 }, async () => {
  const { valid, bad } = messages();

  // 1. Ingest with alerts off (the harness's default), then stop: the store holds the history.
  const ingest = await createService({ dir, mqttUrl: broker.url, store: { kind: 'duckdb' }, fleet: fleet() });
  service = ingest;
  await ingest.start();
  const publisher = await connectPublisher(broker.url, 'alerts-e2e-publisher');
  await publishAll(publisher, [...valid, ...bad]);
  await closePublisher(publisher);
  await eventually(
    async () => {
      const metrics = await ingest.metrics();
      expect(metrics.tanhe_ingest_readings_stored_total).toBe(valid.length);
      expect(metrics.tanhe_ingest_quarantine_stored_total).toBe(bad.length);
    },
    { timeoutMs: 90_000, intervalMs: 500, message: 'every reading stored, every bad payload quarantined' },
  );
  await ingest.stop();

  // 2. The same store with alerts on: STARTTLS to a private CA, AUTH with the password from the environment.
  const caFile = join(dir, 'smtp-ca.pem');
  writeFileSync(caFile, smtp.caPem);
  const alerting = await createService({
    dir,
    mqttUrl: broker.url,
    store: { kind: 'duckdb' },
    fleet: fleet(),
    env: { TANHE_SMTP_PASSWORD: smtp.password },
    alerts: {
      enabled: true,
      quotas: {
        // Judged from the first day of the year, so the test also holds in the first days of January.
        minElapsedDays: 0,
        entries: [
          {
            institution: 'inst1',
            year: localYear,
            metric: 'tce',
            value: 0.01,
            source: { kind: 'manual', citation: 'tanhe e2e test: a quota that every reading overruns' },
          },
        ],
      },
      email: {
        smtp: { host: smtp.host, port: smtp.port, user: smtp.user, tls: { caFile }, timeoutMs: 20_000 },
        recipients: [{ org: 'nx', email: OFFICER, name: 'Energy officer', lang: 'en' }],
        // Due at any hour of the day: the first mail run after the evaluation sends the digest.
        digestHour: '00:00',
      },
    },
  });
  service = alerting;
  await alerting.start();

  // Every kind is raised and listed.
  const alerts = await eventually(
    async () => {
      const items = await listAlerts();
      const missing = ALERT_RULES.filter((rule) => !items.some((a) => isExpected(a, rule)));
      expect(missing).toEqual([]);
      return items;
    },
    { timeoutMs: 90_000, intervalMs: 1_000, message: 'an alert of every rule kind' },
  );
  const chosen = ALERT_RULES.map((rule) => alerts.find((a) => isExpected(a, rule)) as ApiAlert);

  // Every alert listed is mailed to the officer: critical ones alone, the rest in the digest.
  await eventually(
    async () => {
      const items = await listAlerts();
      expect(items.filter((a) => a.notified === null).map((a) => a.id)).toEqual([]);
      for (const a of items) expect(a.notified?.recipients).toEqual([OFFICER]);
    },
    { timeoutMs: 90_000, intervalMs: 1_000, message: 'every alert notified' },
  );
  const mails = smtp.received;
  expect(mails.length).toBeGreaterThan(0);
  for (const mail of mails) {
    expect(mail.secure, 'STARTTLS').toBe(true);
    expect(mail.user, 'AUTH').toBe(smtp.user);
    expect(mail.rcptTo).toEqual([OFFICER]);
    expect(mail.to).toContain(OFFICER);
    expect(mail.messageId).toMatch(/^<tanhe\.[a-z]+\.[0-9a-f]{32}@tanhe\.localhost>$/);
  }
  expect(new Set(mails.map((m) => m.messageId)).size).toBe(mails.length);
  const keyOf = (mail: (typeof mails)[number]) => String(mail.headers.get('x-tanhe-message-key'));
  const digests = mails.filter((m) => keyOf(m).startsWith('digest|'));
  expect(digests).toHaveLength(1);
  const digest = digests[0];
  for (const a of alerts) {
    if (a.severity === 'critical') {
      const own = mails.filter((m) => keyOf(m) === `immediate|${a.id}|${OFFICER}`);
      expect(own, a.id).toHaveLength(1);
      expect(digest?.text, a.id).not.toContain(a.id);
    } else {
      expect(digest?.text, a.id).toContain(a.id);
    }
  }
  expect(chosen.some((a) => a.severity === 'critical')).toBe(true);
  expect(chosen.some((a) => a.severity !== 'critical')).toBe(true);

  // Acknowledge one alert of each kind (a quota alert needs a justification), then resolve it.
  const quota = chosen.find((a) => a.rule === 'quota_annual') as ApiAlert;
  const refused = await api<{ code: string }>('POST', `/api/v1/alerts/${encodeURIComponent(quota.id)}/ack`, {
    by: 'officer',
  });
  expect([refused.status, refused.json.code]).toEqual([400, 'JUSTIFICATION_REQUIRED']);
  for (const a of chosen) {
    const path = `/api/v1/alerts/${encodeURIComponent(a.id)}`;
    const justification = JUSTIFIED.has(a.rule) ? { justification: 'the test quota is far below any real use' } : {};
    const acked = await api<ApiAlert>('POST', `${path}/ack`, { by: 'officer', ...justification });
    expect([a.id, acked.status, acked.json.state]).toEqual([a.id, 200, 'acknowledged']);
    expect(acked.json.acknowledged?.by).toBe('officer');
    const resolved = await api<ApiAlert>('POST', `${path}/resolve`, { by: 'officer', note: 'checked in the e2e test' });
    expect([a.id, resolved.status, resolved.json.state]).toEqual([a.id, 200, 'resolved']);
    expect(resolved.json.resolved).toEqual({ by: 'officer', note: 'checked in the e2e test', at: expect.any(String) });
  }
  const after = await listAlerts();
  for (const a of chosen) {
    expect([a.id, after.find((x) => x.id === a.id)?.state]).toEqual([a.id, 'resolved']);
  }
  const again = await api<{ code: string }>('POST', `/api/v1/alerts/${encodeURIComponent(quota.id)}/ack`, {
    by: 'officer',
    justification: 'twice',
  });
  expect([again.status, again.json.code]).toEqual([409, 'ALERT_ALREADY_RESOLVED']);
});

function isExpected(alert: ApiAlert, rule: AlertRule): boolean {
  return alert.rule === rule && alert.subject.id === SUBJECT_OF[rule];
}
