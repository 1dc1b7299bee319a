import { describe, expect, it } from 'vitest';
import { alertIdOf, deriveAlerts, type Alert, type AlertEvent } from './alert-events.js';
import type { AlertSeverity, RuleFinding } from './alert-types.js';
import {
  alertEventsOfDelivery,
  digestDay,
  notificationTreeOf,
  planNotifications,
  type NotificationPlanInput,
  type NotificationRecipient,
} from './notification-plan.js';

const HOUR = 3_600_000;
// 2026-11-30 10:00 in Shanghai (02:00 UTC).
const NOW = Date.UTC(2026, 10, 30, 2, 0);

const fleet = {
  orgs: [
    { id: 'nx', parent: undefined },
    { id: 'yc', parent: 'nx' },
    { id: 'jf', parent: 'yc' },
    { id: 'wz', parent: 'nx' },
  ],
  institutions: [
    { id: 'gov', org: 'jf', timezone: 'Asia/Shanghai' },
    { id: 'hosp', org: 'wz', timezone: 'Asia/Urumqi' },
  ],
  buildings: [
    { id: 'gov-a', institution: 'gov' },
    { id: 'hosp-1', institution: 'hosp' },
  ],
  meters: [
    { id: 'gov-a-e-main', building: 'gov-a' },
    { id: 'hosp-e', building: 'hosp-1' },
  ],
};
const tree = notificationTreeOf(fleet);

const jinfeng: NotificationRecipient = { org: 'jf', email: 'jf@example.org', name: '李工', lang: 'zh' };
const yinchuan: NotificationRecipient = { org: 'yc', email: 'yc@example.org', lang: 'en' };
const region: NotificationRecipient = { org: 'nx', email: 'nx@example.org', lang: 'zh' };
const settings = { escalateAfterHours: 24, digestHour: '08:00', from: 'tanhe <alerts@tanhe.example.org>' };

function finding(
  rule: RuleFinding['rule'],
  subjectId: string,
  severity: AlertSeverity,
  kind: 'meter' | 'institution' = 'meter',
): RuleFinding {
  return {
    rule,
    subject: { kind, id: subjectId },
    window: '2026-11-30',
    verdict: 'raise',
    severity,
    measured: { value: 3, threshold: 2, unit: 'intervals' },
    sinceMs: NOW - 2 * HOUR,
    details: {},
    summary: { en: `${subjectId} ${rule}`, zh: `${subjectId} ${rule}（中文）` },
  };
}

function alertsOf(
  ...entries: { f: RuleFinding; openedAtMs?: number; extra?: Omit<AlertEvent, 'alertId'>[] }[]
): Alert[] {
  const events: AlertEvent[] = entries.flatMap(({ f, openedAtMs, extra }) => {
    const alertId = alertIdOf(f);
    return [
      { alertId, kind: 'opened' as const, atMs: openedAtMs ?? NOW - HOUR, actor: 'system', finding: f },
      ...(extra ?? []).map((e) => ({ ...e, alertId })),
    ];
  });
  return deriveAlerts(events);
}

function idOf(alerts: readonly Alert[], rule: RuleFinding['rule']): string | undefined {
  return alerts.find((a) => a.rule === rule)?.id;
}

function plan(overrides: Partial<NotificationPlanInput>) {
  return planNotifications({
    alerts: [],
    queuedKeys: new Set(),
    recipients: [jinfeng, yinchuan, region],
    tree,
    nowMs: NOW,
    settings,
    ...overrides,
  });
}

describe('planNotifications', () => {
  it('mails a critical alert at once to the officers of the meter’s org unit', () => {
    const alerts = alertsOf({ f: finding('meter_offline', 'gov-a-e-main', 'critical') });
    const { messages, unrouted } = plan({ alerts });
    expect(unrouted).toEqual([]);
    expect(messages).toHaveLength(1);
    const [m] = messages;
    expect(m).toMatchObject({
      kind: 'immediate',
      key: `immediate|${alerts[0]?.id}|jf@example.org`,
      alertIds: [alerts[0]?.id],
      recipient: jinfeng,
      from: settings.from,
      queuedAtMs: NOW,
    });
    expect(m?.messageId).toMatch(/^<tanhe\.immediate\.[0-9a-f]{32}@tanhe\.example\.org>$/);
    expect(m?.subject).toContain('【碳核】');
  });

  it('walks up the tree to the nearest org unit with an officer (institution subjects too)', () => {
    const alerts = alertsOf(
      { f: finding('meter_offline', 'gov-a-e-main', 'critical') },
      { f: finding('quota_annual', 'gov', 'critical', 'institution') },
    );
    const toYinchuan = plan({ alerts, recipients: [yinchuan, region] }).messages;
    expect(toYinchuan.map((m) => m.recipient.email)).toEqual(['yc@example.org', 'yc@example.org']);
    expect(toYinchuan.every((m) => m.subject.startsWith('[tanhe]'))).toBe(true);
    const hospital = alertsOf({ f: finding('meter_offline', 'hosp-e', 'critical') });
    expect(plan({ alerts: hospital }).messages.map((m) => m.recipient.email)).toEqual(['nx@example.org']);
  });

  it('gives one message per officer when an org unit has two', () => {
    const second: NotificationRecipient = { org: 'jf', email: 'jf2@example.org', lang: 'en' };
    const alerts = alertsOf({ f: finding('meter_offline', 'gov-a-e-main', 'critical') });
    const { messages } = plan({ alerts, recipients: [jinfeng, second] });
    expect(messages.map((m) => m.recipient.email)).toEqual(['jf2@example.org', 'jf@example.org']);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(2);
  });

  it('reports alerts without any officer up the tree, and unknown subjects, as unrouted', () => {
    const alerts = alertsOf(
      { f: finding('meter_offline', 'hosp-e', 'critical') },
      { f: finding('meter_offline', 'no-such-meter', 'critical') },
    );
    const { messages, unrouted } = plan({ alerts, recipients: [jinfeng] });
    expect(messages).toEqual([]);
    expect(unrouted.sort()).toEqual(alerts.map((a) => a.id).sort());
  });

  it('gathers warning and info alerts into one digest per officer and local day', () => {
    const alerts = alertsOf(
      { f: finding('baseline_anomaly', 'gov-a-e-main', 'warning') },
      { f: finding('off_hours_waste', 'gov-a-e-main', 'info') },
      { f: finding('meter_offline', 'gov-a-e-main', 'critical') },
    );
    const digests = plan({ alerts }).messages.filter((m) => m.kind === 'digest');
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ key: 'digest|jf@example.org|2026-11-30', day: '2026-11-30' });
    expect(digests[0]?.alertIds).toEqual([idOf(alerts, 'baseline_anomaly'), idOf(alerts, 'off_hours_waste')]);
  });

  it('sends the digest from the digest hour of the officer’s zone, else the previous day’s', () => {
    // 07:59 in Shanghai: today's digest is not due yet, yesterday's is.
    expect(digestDay('Asia/Shanghai', '08:00', Date.UTC(2026, 10, 29, 23, 59))).toBe('2026-11-29');
    expect(digestDay('Asia/Shanghai', '08:00', Date.UTC(2026, 10, 30, 0, 0))).toBe('2026-11-30');
    // The hospital's officer sits in Urumqi (UTC+6): at 02:00 UTC it is 08:00 there.
    expect(digestDay('Asia/Urumqi', '08:00', Date.UTC(2026, 10, 30, 1, 59))).toBe('2026-11-29');
    expect(digestDay('Asia/Urumqi', '08:00', Date.UTC(2026, 10, 30, 2, 0))).toBe('2026-11-30');
    const hospital = alertsOf({ f: finding('baseline_anomaly', 'hosp-e', 'warning') });
    const officer: NotificationRecipient = { org: 'wz', email: 'wz@example.org', lang: 'zh' };
    const before = plan({ alerts: hospital, recipients: [officer], nowMs: Date.UTC(2026, 10, 30, 1, 59) });
    expect(before.messages.map((m) => m.key)).toEqual(['digest|wz@example.org|2026-11-29']);
  });

  it('plans nothing for keys already queued, notified alerts before escalation, acknowledged or resolved ones', () => {
    const alerts = alertsOf(
      { f: finding('meter_offline', 'gov-a-e-main', 'critical') },
      {
        f: finding('stuck_register', 'gov-a-e-main', 'critical'),
        openedAtMs: NOW - 24 * HOUR,
        extra: [{ kind: 'notified', atMs: NOW - 23 * HOUR, actor: 'system', recipients: ['jf@example.org'] }],
      },
      {
        f: finding('clock_skew', 'gov-a-e-main', 'critical'),
        openedAtMs: NOW - 30 * HOUR,
        extra: [
          { kind: 'notified', atMs: NOW - 29 * HOUR, actor: 'system', recipients: ['jf@example.org'] },
          { kind: 'acknowledged', atMs: NOW - 2 * HOUR, actor: 'li', text: 'known' },
        ],
      },
      {
        f: finding('sequence_gap', 'gov-a-e-main', 'warning'),
        extra: [{ kind: 'resolved', atMs: NOW - HOUR / 2, actor: 'li' }],
      },
    );
    const first = plan({ alerts });
    expect(first.messages.map((m) => m.key)).toEqual([`immediate|${idOf(alerts, 'meter_offline')}|jf@example.org`]);
    expect(plan({ alerts, queuedKeys: new Set(first.messages.map((m) => m.key)) }).messages).toEqual([]);
  });

  it('escalates an alert not acknowledged after escalateAfterHours to the parent unit’s officer, once', () => {
    const notifiedAt = NOW - 24 * HOUR;
    const f = finding('quota_annual', 'gov', 'warning', 'institution');
    const alerts = alertsOf({
      f,
      openedAtMs: notifiedAt - HOUR,
      extra: [{ kind: 'notified', atMs: notifiedAt, actor: 'system', recipients: ['jf@example.org'] }],
    });
    const { messages } = plan({ alerts });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ kind: 'escalation', recipient: yinchuan });
    expect(messages[0]?.subject).toContain('Escalated');
    expect(messages[0]?.text).toContain('jf@example.org');
    expect(plan({ alerts, nowMs: NOW - 1 }).messages).toEqual([]);
    const escalated = alertsOf({
      f,
      openedAtMs: notifiedAt - HOUR,
      extra: [
        { kind: 'notified', atMs: notifiedAt, actor: 'system', recipients: ['jf@example.org'] },
        { kind: 'escalated', atMs: NOW, actor: 'system', recipients: ['yc@example.org'] },
      ],
    });
    expect(plan({ alerts: escalated, nowMs: NOW + 48 * HOUR }).messages).toEqual([]);
    // No officer above the one mailed: nothing to escalate to, reported.
    const top = plan({ alerts, recipients: [region], nowMs: NOW });
    expect(top.messages).toEqual([]);
    expect(top.unrouted).toEqual([alerts[0]?.id]);
  });

  it('is deterministic: the same input plans the same messages with the same Message-IDs', () => {
    const alerts = alertsOf(
      { f: finding('meter_offline', 'gov-a-e-main', 'critical') },
      { f: finding('baseline_anomaly', 'gov-a-e-main', 'warning') },
    );
    const a = plan({ alerts });
    const b = plan({ alerts: [...alerts].reverse() });
    expect(b).toEqual(a);
    // The content key decides the id: another recipient, another id; a later plan, the same id.
    const later = plan({ alerts, nowMs: NOW + HOUR });
    expect(later.messages.map((m) => m.messageId)).toEqual(a.messages.map((m) => m.messageId));
    expect(new Set(a.messages.map((m) => m.messageId)).size).toBe(a.messages.length);
  });

  it('turns a delivered message into notified (immediate, digest) or escalated events for each of its alerts', () => {
    const alerts = alertsOf(
      { f: finding('baseline_anomaly', 'gov-a-e-main', 'warning') },
      { f: finding('off_hours_waste', 'gov-a-e-main', 'info') },
    );
    const [digest] = plan({ alerts }).messages;
    if (!digest) throw new Error('no digest');
    const events = alertEventsOfDelivery(digest, NOW + 5);
    expect(events).toEqual(
      digest.alertIds.map((alertId) => ({
        alertId,
        kind: 'notified',
        atMs: NOW + 5,
        actor: 'system',
        recipients: ['jf@example.org'],
      })),
    );
    expect(alertEventsOfDelivery({ ...digest, kind: 'escalation' }, NOW)[0]?.kind).toBe('escalated');
  });
});
