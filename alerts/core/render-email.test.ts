import { describe, expect, it } from 'vitest';
import { alertIdOf, deriveAlerts, type Alert } from './alert-events.js';
import type { RuleFinding } from './alert-types.js';
import { escapeHtml, renderEmail } from './render-email.js';

const OPENED = Date.UTC(2026, 10, 30, 2, 0);

function alertWith(summary: RuleFinding['summary'], details: RuleFinding['details'] = {}): Alert {
  const finding: RuleFinding = {
    rule: 'meter_offline',
    subject: { kind: 'meter', id: 'gov-a-e-main' },
    window: '2026-11-30T09:00:00Z',
    verdict: 'raise',
    severity: 'critical',
    measured: { value: 4.123456, threshold: 2, unit: 'intervals' },
    sinceMs: OPENED - 3_600_000,
    details,
    summary,
  };
  const [alert] = deriveAlerts([
    { alertId: alertIdOf(finding), kind: 'opened', atMs: OPENED, actor: 'system', finding },
  ]);
  if (!alert) throw new Error('no alert');
  return alert;
}

const alert = alertWith(
  { en: 'Meter gov-a-e-main silent for 1 h', zh: '表计 gov-a-e-main 已 1 小时无读数' },
  { lastReadingAt: '2026-11-30T09:00:00+08:00', expectedIntervalMinutes: 15 },
);

describe('renderEmail', () => {
  it('renders a critical alert in Chinese, with the local time of the zone', () => {
    const mail = renderEmail(
      { kind: 'immediate', alert },
      { lang: 'zh', timeZone: 'Asia/Shanghai', recipientName: '李工' },
    );
    expect(mail.subject).toBe('【碳核】紧急 表计离线：gov-a-e-main');
    expect(mail.text).toContain('李工：');
    expect(mail.text).toContain('表计 gov-a-e-main 已 1 小时无读数');
    expect(mail.text).toContain('开始于：2026-11-30T09:00:00+08:00');
    expect(mail.text).toContain('测量值：4.123 intervals (阈值 2 intervals)');
    expect(mail.text).toContain('expectedIntervalMinutes=15');
    expect(mail.text).toContain(`POST /api/v1/alerts/${encodeURIComponent(alert.id)}/ack`);
    expect(mail.html).toContain('<html lang="zh-CN">');
    expect(mail.html).toContain('表计 gov-a-e-main 已 1 小时无读数');
  });

  it('renders the same alert in English', () => {
    const mail = renderEmail({ kind: 'immediate', alert }, { lang: 'en', timeZone: 'Europe/Berlin' });
    expect(mail.subject).toBe('[tanhe] critical Meter offline: gov-a-e-main');
    expect(mail.text).toContain('Dear energy officer,');
    expect(mail.text).toContain('Meter gov-a-e-main silent for 1 h');
    expect(mail.text).toContain('Since: 2026-11-30T02:00:00+01:00');
    expect(mail.text).not.toMatch(/[\u4e00-\u9fff]{3}/);
    expect(mail.html).toContain('<html lang="en">');
  });

  it('renders a digest of several alerts, numbered, and an escalation naming who was mailed', () => {
    const other = alertWith({ en: 'second one', zh: '第二条' });
    const digest = renderEmail(
      { kind: 'digest', alerts: [alert, other], day: '2026-11-30' },
      { lang: 'en', timeZone: 'Asia/Shanghai' },
    );
    expect(digest.subject).toBe('[tanhe] Daily alert digest 2026-11-30: 2 alerts');
    expect(digest.text).toContain('1. Meter gov-a-e-main silent for 1 h');
    expect(digest.text).toContain('2. second one');
    const zh = renderEmail(
      { kind: 'digest', alerts: [other], day: '2026-11-30' },
      { lang: 'zh', timeZone: 'Asia/Shanghai' },
    );
    expect(zh.subject).toBe('【碳核】每日告警摘要 2026-11-30：1 条');
    const escalation = renderEmail(
      { kind: 'escalation', alert, escalateAfterHours: 24, notifiedRecipients: ['jf@example.org'] },
      { lang: 'zh', timeZone: 'Asia/Shanghai' },
    );
    expect(escalation.subject).toBe('【碳核】告警升级：24 小时未确认：表计离线 gov-a-e-main');
    expect(escalation.text).toContain('jf@example.org');
  });

  it('escapes everything from findings in the HTML, and leaves the plain text as written', () => {
    const hostile = alertWith(
      { en: '<script>alert("x")</script> & co', zh: '<b>粗体</b>' },
      { note: `it's <img src=x onerror=alert(1)>` },
    );
    const mail = renderEmail({ kind: 'immediate', alert: hostile }, { lang: 'en', timeZone: 'Asia/Shanghai' });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(mail.html).toContain('it&#39;s &lt;img src=x onerror=alert(1)&gt;');
    expect(mail.text).toContain('<script>alert("x")</script> & co');
    const zh = renderEmail({ kind: 'immediate', alert: hostile }, { lang: 'zh', timeZone: 'Asia/Shanghai' });
    expect(zh.html).toContain('&lt;b&gt;粗体&lt;/b&gt;');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('renders the same bytes for the same input', () => {
    const options = { lang: 'zh' as const, timeZone: 'Asia/Shanghai' };
    expect(renderEmail({ kind: 'immediate', alert }, options)).toEqual(
      renderEmail({ kind: 'immediate', alert }, options),
    );
  });
});
