import { formatLocalIso } from '../../src/kernel/index.js';
import type { Alert } from './alert-events.js';
import type { AlertRule, AlertSeverity } from './alert-types.js';

/**
 * Alert mail as energy officers read it (docs/alerts.md, "Email"): a subject, a plain
 * text and an HTML body in the recipient's language (Chinese or English; every finding
 * carries both summaries). Times are shown in the recipient's zone with their offset.
 * Everything taken from findings is escaped in the HTML: a meter name or a detail is data,
 * not markup. Pure: the same input always renders the same bytes, so a message queued
 * once and resent after a crash is the same message.
 */

export type MailLang = 'zh' | 'en';

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export type RenderInput =
  | { readonly kind: 'immediate'; readonly alert: Alert }
  | { readonly kind: 'digest'; readonly alerts: readonly Alert[]; readonly day: string }
  | {
      readonly kind: 'escalation';
      readonly alert: Alert;
      readonly escalateAfterHours: number;
      /** The officers who got the first mail and have not acknowledged it. */
      readonly notifiedRecipients: readonly string[];
    };

export interface RenderOptions {
  readonly lang: MailLang;
  readonly timeZone: string;
  /** The officer's name, for the greeting. */
  readonly recipientName?: string | undefined;
}

export const RULE_LABELS: Readonly<Record<AlertRule, { readonly en: string; readonly zh: string }>> = {
  quota_prorated: { en: 'Quota: use ahead of the prorated quota', zh: '能耗定额：按进度超限' },
  quota_annual: { en: 'Quota: annual quota reached', zh: '能耗定额：年度定额超限' },
  quota_projection: { en: 'Quota: projected overrun', zh: '能耗定额：预计全年超额' },
  baseline_anomaly: { en: 'Consumption outside its baseline', zh: '用能偏离基线' },
  off_hours_waste: { en: 'Off-hours waste', zh: '非工作时间能耗浪费' },
  meter_offline: { en: 'Meter offline', zh: '表计离线' },
  stuck_register: { en: 'Stuck register', zh: '表计读数停滞' },
  held_readings: { en: 'Readings held for review', zh: '读数待复核' },
  sequence_gap: { en: 'Sequence gap', zh: '报文序号缺失' },
  clock_skew: { en: 'Clock skew', zh: '表计时钟偏差' },
  submeter_imbalance: { en: 'Sub-meter imbalance', zh: '分表不平衡' },
  quarantine_rate: { en: 'High quarantine rate', zh: '隔离报文比例过高' },
};

const SEVERITY_LABELS: Readonly<Record<AlertSeverity, { readonly en: string; readonly zh: string }>> = {
  critical: { en: 'critical', zh: '紧急' },
  warning: { en: 'warning', zh: '警告' },
  info: { en: 'info', zh: '提示' },
};

const WORDS = {
  en: {
    brand: '[tanhe] ',
    colon: ': ',
    greeting: (name: string | undefined) => (name ? `Dear ${name},` : 'Dear energy officer,'),
    immediateIntro: 'A critical alert was raised:',
    digestSubject: (day: string, n: number) => `Daily alert digest ${day}: ${n} alert${n === 1 ? '' : 's'}`,
    digestIntro: (day: string, n: number) =>
      `The ${n} alert${n === 1 ? '' : 's'} below ${n === 1 ? 'is' : 'are'} open and not yet mailed (digest of ${day}):`,
    escalationSubject: (hours: number) => `Escalated: not acknowledged after ${hours} h`,
    escalationIntro: (hours: number, who: string) =>
      `This alert was mailed to ${who} and has not been acknowledged for ${hours} hours. ` +
      'It is escalated to you as the parent unit.',
    rule: 'Rule',
    subject: 'Subject',
    meter: 'meter',
    institution: 'institution',
    severity: 'Severity',
    measured: 'Measured',
    threshold: 'threshold',
    since: 'Since',
    opened: 'Raised',
    alertId: 'Alert id',
    details: 'Details',
    acknowledge: 'Acknowledge (with a justification where the rule needs one)',
    footer: 'Sent by tanhe (碳核). This message is sent once; a copy after a restart has the same Message-ID.',
  },
  zh: {
    brand: '【碳核】',
    colon: '：',
    greeting: (name: string | undefined) => (name ? `${name}：` : '能源管理员：'),
    immediateIntro: '产生了一条紧急告警：',
    digestSubject: (day: string, n: number) => `每日告警摘要 ${day}：${n} 条`,
    digestIntro: (day: string, n: number) => `以下 ${n} 条告警尚未处理、尚未通知（${day} 摘要）：`,
    escalationSubject: (hours: number) => `告警升级：${hours} 小时未确认`,
    escalationIntro: (hours: number, who: string) =>
      `此告警已发送给 ${who}，${hours} 小时内未被确认，现升级通知上级单位。`,
    rule: '规则',
    subject: '对象',
    meter: '表计',
    institution: '机构',
    severity: '级别',
    measured: '测量值',
    threshold: '阈值',
    since: '开始于',
    opened: '告警时间',
    alertId: '告警编号',
    details: '详情',
    acknowledge: '确认告警（规则要求时须填写说明）',
    footer: '本邮件由碳核（tanhe）发送。重启后补发的邮件与原邮件 Message-ID 相同。',
  },
} as const;

interface Line {
  readonly label: string;
  readonly value: string;
}

export function renderEmail(input: RenderInput, options: RenderOptions): RenderedEmail {
  const w = WORDS[options.lang];
  const greeting = w.greeting(options.recipientName);
  switch (input.kind) {
    case 'immediate': {
      const { alert } = input;
      const severity = SEVERITY_LABELS[alert.severity][options.lang];
      const subject = `${w.brand}${severity} ${ruleLabel(alert, options)}${w.colon}${alert.subject.id}`;
      return compose(subject, greeting, w.immediateIntro, [alert], options);
    }
    case 'digest': {
      const n = input.alerts.length;
      return compose(
        `${w.brand}${w.digestSubject(input.day, n)}`,
        greeting,
        w.digestIntro(input.day, n),
        input.alerts,
        options,
      );
    }
    case 'escalation': {
      const { alert } = input;
      const who = input.notifiedRecipients.length > 0 ? input.notifiedRecipients.join(', ') : '—';
      return compose(
        `${w.brand}${w.escalationSubject(input.escalateAfterHours)}${w.colon}${ruleLabel(alert, options)} ${
          alert.subject.id
        }`,
        greeting,
        w.escalationIntro(input.escalateAfterHours, who),
        [alert],
        options,
      );
    }
  }
}

function ruleLabel(alert: Alert, options: RenderOptions): string {
  return RULE_LABELS[alert.rule][options.lang];
}

function compose(
  subject: string,
  greeting: string,
  intro: string,
  alerts: readonly Alert[],
  options: RenderOptions,
): RenderedEmail {
  const w = WORDS[options.lang];
  const blocks = alerts.map((a) => ({
    alert: a,
    summary: a.finding.summary[options.lang],
    lines: alertLines(a, options),
  }));
  const text = [
    greeting,
    '',
    intro,
    ...blocks.flatMap((b, i) => [
      '',
      `${alerts.length > 1 ? `${i + 1}. ` : ''}${b.summary}`,
      ...b.lines.map((l) => `   ${l.label}${w.colon}${l.value}`),
    ]),
    '',
    '-- ',
    w.footer,
    '',
  ].join('\n');
  const html = [
    '<!DOCTYPE html>',
    `<html lang="${options.lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">`,
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: sans-serif; font-size: 14px;">',
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    ...blocks.map(
      (b) =>
        `<h3>${escapeHtml(b.summary)}</h3>\n<table cellpadding="3" style="border-collapse: collapse;">\n` +
        b.lines
          .map((l) => `<tr><th align="left">${escapeHtml(l.label)}</th><td>${escapeHtml(l.value)}</td></tr>`)
          .join('\n') +
        '\n</table>',
    ),
    `<hr><p style="color: #666;">${escapeHtml(w.footer)}</p>`,
    '</body></html>',
    '',
  ].join('\n');
  return { subject, text, html };
}

function alertLines(alert: Alert, options: RenderOptions): Line[] {
  const w = WORDS[options.lang];
  const { finding } = alert;
  const { measured } = finding;
  const detailEntries = Object.entries(finding.details);
  return [
    { label: w.rule, value: `${ruleLabel(alert, options)} (${alert.rule})` },
    { label: w.subject, value: `${alert.subject.kind === 'meter' ? w.meter : w.institution} ${alert.subject.id}` },
    { label: w.severity, value: SEVERITY_LABELS[alert.severity][options.lang] },
    {
      label: w.measured,
      value: `${formatNumber(measured.value)} ${measured.unit} (${w.threshold} ${formatNumber(measured.threshold)} ${
        measured.unit
      })`,
    },
    { label: w.since, value: formatLocalIso(finding.sinceMs, options.timeZone, true) },
    { label: w.opened, value: formatLocalIso(alert.openedAtMs, options.timeZone, true) },
    { label: w.alertId, value: alert.id },
    ...(detailEntries.length === 0
      ? []
      : [{ label: w.details, value: detailEntries.map(([k, v]) => `${k}=${detailValue(v)}`).join('; ') }]),
    { label: w.acknowledge, value: `POST /api/v1/alerts/${encodeURIComponent(alert.id)}/ack` },
  ];
}

/** Up to 3 decimals, no trailing zeros: figures in mail are for reading, the API has the exact values. */
function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : String(value);
}

function detailValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  return JSON.stringify(value) ?? String(value);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}
