/**
 * The child process of tests/e2e/outbox-crash.test.ts: opens a DuckDB file outbox, queues
 * one critical alert mail per alert (TANHE_CRASH_ALERTS of them) and delivers them all to
 * the SMTP server named in the environment, with STARTTLS and AUTH, as the service would.
 * The test SIGKILLs it while the server stalls on a DATA, then runs it again.
 */
import {
  alertIdOf,
  createDuckDbOutboxStore,
  createOutboxDelivery,
  createSmtpMailer,
  deriveAlerts,
  notificationTreeOf,
  type AlertEvent,
  type RuleFinding,
} from '../../alerts/index.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

const OPENED_MS = Date.UTC(2026, 10, 30, 0, 0);
const count = Number(env('TANHE_CRASH_ALERTS'));
const events: AlertEvent[] = Array.from({ length: count }, (_, i) => {
  const finding: RuleFinding = {
    rule: 'meter_offline',
    subject: { kind: 'meter', id: 'm1' },
    window: `2026-11-30T00:${String(i).padStart(2, '0')}:00Z`,
    verdict: 'raise',
    severity: 'critical',
    measured: { value: 4, threshold: 2, unit: 'intervals' },
    sinceMs: OPENED_MS,
    details: { n: i },
    summary: { en: `m1 silent (${i})`, zh: `m1 无读数（${i}）` },
  };
  return { alertId: alertIdOf(finding), kind: 'opened', atMs: OPENED_MS, actor: 'system', finding };
});

const client = createDuckDbClient({ path: env('TANHE_CRASH_DUCKDB') });
const store = createDuckDbOutboxStore(client);
await store.init();
const mailer = createSmtpMailer({
  host: '127.0.0.1',
  port: Number(env('TANHE_CRASH_SMTP_PORT')),
  secure: false,
  requireTls: true,
  user: env('TANHE_CRASH_SMTP_USER'),
  password: env('TANHE_SMTP_PASSWORD'),
  tls: { caFile: env('TANHE_CRASH_SMTP_CA') },
  timeoutMs: 120_000,
});
const outbox = createOutboxDelivery({
  store,
  mailer,
  nowMs: () => Date.now(),
  onDelivered: async ({ message }) => {
    process.stdout.write(`delivered ${message.key} ${message.messageId}\n`);
  },
});
const fleet = {
  orgs: [{ id: 'jf' }],
  institutions: [{ id: 'gov', org: 'jf', timezone: 'Asia/Shanghai' }],
  buildings: [{ id: 'gov-a', institution: 'gov' }],
  meters: [{ id: 'm1', building: 'gov-a' }],
};
const { queued } = await outbox.queue({
  alerts: deriveAlerts(events),
  recipients: [{ org: 'jf', email: 'jf@example.org', lang: 'zh' }],
  tree: notificationTreeOf(fleet),
  settings: { escalateAfterHours: 24, digestHour: '08:00', from: 'tanhe <alerts@tanhe.example.org>' },
});
process.stdout.write(`queued ${queued.length}\n`);
const { sent } = await outbox.deliver();
process.stdout.write(`sent ${sent.length}\n`);
await mailer.close();
await client.close();
