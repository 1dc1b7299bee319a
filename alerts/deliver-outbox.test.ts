import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAppConfig } from '../src/load-app-config.js';
import { startDemoSmtpReceiver } from '../src/platform/smtp/index.js';
import { startTestSmtpServer, type TestSmtpServer } from '../tests/support/smtp-server.js';
import { createDuckDbClient, type DuckDbClient } from '../src/platform/duckdb/index.js';
import { freePort } from '../tests/support/ports.js';
import { createDuckDbOutboxStore } from './adapters/duckdb-outbox-store.js';
import { createSmtpMailer, smtpMailerOptions, type SmtpMailerOptions } from './adapters/smtp-mailer.js';
import { alertIdOf, deriveAlerts, type AlertEvent } from './core/alert-events.js';
import type { AlertSeverity, RuleFinding } from './core/alert-types.js';
import { notificationTreeOf, type NotificationRecipient } from './core/notification-plan.js';
import { createOutboxDelivery, type Delivered, type NotificationInput, type OutboxStore } from './deliver-outbox.js';

// Delivery through a real SMTP server (STARTTLS + AUTH, tests/support/smtp-server.ts) from a
// real DuckDB outbox; assertions are on what the server received and on the outbox.
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 30, 2, 0); // 10:00 in Shanghai, after the 08:00 digest hour

const fleet = {
  orgs: [{ id: 'nx' }, { id: 'jf', parent: 'nx' }],
  institutions: [{ id: 'gov', org: 'jf', timezone: 'Asia/Shanghai' }],
  buildings: [{ id: 'gov-a', institution: 'gov' }],
  meters: [
    { id: 'm1', building: 'gov-a' },
    { id: 'm2', building: 'gov-a' },
  ],
};
const officer: NotificationRecipient = { org: 'jf', email: 'jf@example.org', name: '李工', lang: 'zh' };
const regional: NotificationRecipient = { org: 'nx', email: 'nx@example.org', lang: 'en' };

function finding(rule: RuleFinding['rule'], meter: string, severity: AlertSeverity): RuleFinding {
  return {
    rule,
    subject: { kind: 'meter', id: meter },
    window: '2026-11-30',
    verdict: 'raise',
    severity,
    measured: { value: 5, threshold: 2, unit: 'intervals' },
    sinceMs: NOW - 2 * HOUR,
    details: { expectedIntervalMinutes: 15 },
    summary: { en: `${meter}: ${rule}`, zh: `${meter}：${rule}` },
  };
}

function input(events: AlertEvent[]): NotificationInput {
  return {
    alerts: deriveAlerts(events),
    recipients: [officer, regional],
    tree: notificationTreeOf(fleet),
    settings: { escalateAfterHours: 24, digestHour: '08:00', from: 'tanhe 碳核 <alerts@tanhe.example.org>' },
  };
}

const critical = finding('meter_offline', 'm1', 'critical');
const warning = finding('baseline_anomaly', 'm2', 'warning');
const opened = (f: RuleFinding): AlertEvent => ({
  alertId: alertIdOf(f),
  kind: 'opened',
  atMs: NOW - HOUR,
  actor: 'system',
  finding: f,
});

let smtp: TestSmtpServer;
let client: DuckDbClient;
let store: OutboxStore;
let delivered: Delivered[];

beforeEach(async () => {
  smtp = await startTestSmtpServer();
  client = createDuckDbClient({ path: ':memory:' });
  store = createDuckDbOutboxStore(client);
  await store.init();
  delivered = [];
});
afterEach(async () => {
  await smtp.close();
  await client.close();
});

function mailerOptions(overrides: Partial<SmtpMailerOptions> = {}): SmtpMailerOptions {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: false,
    requireTls: true,
    user: smtp.user,
    password: smtp.password,
    tls: { ca: smtp.caPem },
    timeoutMs: 10_000,
    ...overrides,
  };
}

function delivery(overrides: Partial<SmtpMailerOptions> = {}, onDelivered?: (d: Delivered) => Promise<void>) {
  return createOutboxDelivery({
    store,
    mailer: createSmtpMailer(mailerOptions(overrides)),
    nowMs: () => NOW,
    onDelivered:
      onDelivered ??
      (async (d) => {
        delivered.push(d);
      }),
  });
}

describe('deliver the outbox over SMTP (STARTTLS + AUTH)', () => {
  it('mails a critical alert at once and the warning in the digest, once each, with the stored ids', async () => {
    const outbox = delivery();
    const first = await outbox.run(input([opened(critical), opened(warning)]));
    expect(first.queued.map((m) => m.kind).sort()).toEqual(['digest', 'immediate']);
    expect(first.sent).toHaveLength(2);
    expect(smtp.received).toHaveLength(2);
    for (const mail of smtp.received) {
      expect(mail.secure).toBe(true);
      expect(mail.user).toBe(smtp.user);
      expect(mail.rcptTo).toEqual(['jf@example.org']);
    }
    const immediate = first.queued.find((m) => m.kind === 'immediate');
    const got = smtp.received.find((m) => m.messageId === immediate?.messageId);
    expect(got?.subject).toBe('【碳核】紧急 表计离线：m1');
    expect(got?.text).toContain('m1：meter_offline');
    expect(got?.html).toContain('m1：meter_offline');
    expect(got?.headers.get('x-tanhe-message-key')).toBe(immediate?.key);
    expect(got?.date?.getTime()).toBe(NOW);
    expect(delivered.map((d) => [d.message.key, d.sentAtMs])).toEqual(first.sent.map((m) => [m.key, NOW]));
    expect(await store.pending()).toEqual([]);

    // Planning again changes nothing: the keys are in the outbox.
    const second = await outbox.run(input([opened(critical), opened(warning)]));
    expect(second).toEqual({ queued: [], unrouted: [], sent: [], rejected: [] });
    expect(smtp.received).toHaveLength(2);
  });

  it('a wrong password is MAIL_AUTH_FAILED: nothing received or marked sent; it goes once fixed', async () => {
    const bad = delivery({ password: 'not the password' });
    await bad.queue(input([opened(critical)]));
    await expect(bad.deliver()).rejects.toMatchObject({ code: 'MAIL_AUTH_FAILED', retryable: false });
    expect(smtp.received).toEqual([]);
    expect(delivered).toEqual([]);
    expect(await store.pending()).toHaveLength(1);
    const good = delivery();
    expect((await good.deliver()).sent).toHaveLength(1);
    expect(smtp.received).toHaveLength(1);
  });

  it('refuses a server without STARTTLS while requireTls (MAIL_TLS_FAILED), sends when allowed', async () => {
    await smtp.close();
    smtp = await startTestSmtpServer({ startTls: false });
    const outbox = delivery();
    await outbox.queue(input([opened(critical)]));
    await expect(outbox.deliver()).rejects.toMatchObject({ code: 'MAIL_TLS_FAILED' });
    expect(smtp.received).toEqual([]);
    expect(await store.pending()).toHaveLength(1);
    // The loopback demo's setting: no STARTTLS required.
    expect((await delivery({ requireTls: false }).deliver()).sent).toHaveLength(1);
    expect(smtp.received[0]?.secure).toBe(false);
  });

  it('refuses a certificate it cannot trust (MAIL_TLS_FAILED)', async () => {
    const outbox = delivery({ tls: {} });
    await outbox.queue(input([opened(critical)]));
    await expect(outbox.deliver()).rejects.toMatchObject({ code: 'MAIL_TLS_FAILED' });
    expect(smtp.received).toEqual([]);
  });

  it('an unreachable server is MAIL_UNAVAILABLE, retryable', async () => {
    const outbox = delivery({ port: await freePort(), timeoutMs: 2_000 });
    await outbox.queue(input([opened(critical)]));
    await expect(outbox.deliver()).rejects.toMatchObject({ code: 'MAIL_UNAVAILABLE', retryable: true });
    expect(await store.pending()).toHaveLength(1);
  });

  it('resends the same message with the same Message-ID when it was sent but not recorded', async () => {
    let failOnce = true;
    const outbox = delivery({}, async (d) => {
      if (failOnce) {
        failOnce = false;
        throw new Error('the event store is down');
      }
      delivered.push(d);
    });
    await outbox.queue(input([opened(critical)]));
    await expect(outbox.deliver()).rejects.toThrow('the event store is down');
    expect(await store.pending()).toHaveLength(1);
    await outbox.deliver();
    expect(await store.pending()).toEqual([]);
    expect(smtp.received).toHaveLength(2);
    expect(smtp.received[1]?.messageId).toBe(smtp.received[0]?.messageId);
    expect(smtp.received[1]?.raw).toBe(smtp.received[0]?.raw);
    expect(delivered).toHaveLength(1);
  });

  it('escalates an unacknowledged alert to the parent org’s officer after escalateAfterHours', async () => {
    const id = alertIdOf(critical);
    const events: AlertEvent[] = [
      { ...opened(critical), atMs: NOW - 30 * HOUR },
      { alertId: id, kind: 'notified', atMs: NOW - 25 * HOUR, actor: 'system', recipients: ['jf@example.org'] },
    ];
    const { sent } = await delivery().run(input(events));
    expect(sent.map((m) => [m.kind, m.recipient.email])).toEqual([['escalation', 'nx@example.org']]);
    expect(smtp.received[0]?.subject).toBe('[tanhe] Escalated: not acknowledged after 24 h: Meter offline m1');
    expect(smtp.received[0]?.rcptTo).toEqual(['nx@example.org']);
  });

  it('delivers with the demo settings (config/demo.yaml) into the demo receiver’s .eml files', async () => {
    const config = loadAppConfig(join(import.meta.dirname, '..', 'config', 'demo.yaml'), {});
    const email = config.alerts.email;
    expect(email.demoReceiver.enabled).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'tanhe-demo-mail-'));
    // Port 0 instead of the demo's fixed one, so that a running demo on this machine does not matter.
    const receiver = await startDemoSmtpReceiver({ ...email.demoReceiver, port: 0, dir });
    try {
      const demoFinding = { ...critical, subject: { kind: 'meter' as const, id: 'gov-a-e-main' } };
      const outbox = createOutboxDelivery({
        store,
        mailer: createSmtpMailer(smtpMailerOptions({ ...email.smtp, port: receiver.port }, undefined)),
        nowMs: () => NOW,
        onDelivered: async () => undefined,
      });
      const { sent } = await outbox.run({
        alerts: deriveAlerts([opened(demoFinding)]),
        recipients: email.recipients,
        tree: notificationTreeOf(config.fleet),
        settings: email,
      });
      expect(sent.map((m) => m.recipient.org)).toEqual(['nx-yc-jinfeng']);
      const files = readdirSync(dir);
      expect(files).toEqual([`1-${sent[0]?.messageId.slice(1, -1)}.eml`]);
      const unfolded = readFileSync(join(dir, files[0] ?? ''), 'utf8').replace(/\r\n[ \t]+/g, ' ');
      expect(unfolded).toContain(`\r\nMessage-ID: ${sent[0]?.messageId}\r\n`);
    } finally {
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a recipient the server refuses for good (5xx) is MAIL_REJECTED: it stays pending, the others go', async () => {
    await smtp.close();
    smtp = await startTestSmtpServer({ rejectRecipients: ['nx@example.org'] });
    const id = alertIdOf(critical);
    const events: AlertEvent[] = [
      { ...opened(critical), atMs: NOW - 30 * HOUR },
      { alertId: id, kind: 'notified', atMs: NOW - 25 * HOUR, actor: 'system', recipients: ['jf@example.org'] },
      opened(finding('stuck_register', 'm2', 'critical')),
    ];
    const { sent, rejected } = await delivery().run(input(events));
    expect(rejected.map((r) => [r.message.kind, r.error.code, r.error.retryable])).toEqual([
      ['escalation', 'MAIL_REJECTED', false],
    ]);
    expect(sent.map((m) => m.kind)).toEqual(['immediate']);
    expect(smtp.received.map((m) => m.rcptTo)).toEqual([['jf@example.org']]);
    expect((await store.pending()).map((m) => m.kind)).toEqual(['escalation']);
  });

  it('runs deliveries one at a time: two at once send each message once', async () => {
    const outbox = delivery();
    await outbox.queue(input([opened(critical), opened(finding('stuck_register', 'm2', 'critical'))]));
    const [a, b] = await Promise.all([outbox.deliver(), outbox.deliver()]);
    expect(a.sent).toHaveLength(2);
    expect(b.sent).toEqual([]);
    expect(smtp.received).toHaveLength(2);
  });
});
