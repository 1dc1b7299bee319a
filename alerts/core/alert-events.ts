import type { AlertRule, AlertSeverity, AlertSubject, RuleFinding } from './alert-types.js';

/**
 * An alert's life is kept as append-only events (docs/alerts.md); its current
 * state is derived from them (`deriveAlerts`), so the store keeps the whole
 * history for auditors and no row is ever updated.
 *
 *   open → notified → acknowledged (by whom, with a justification) → resolved
 *
 * `escalated` (mailed to the parent org's officer) is recorded but changes no
 * state. An alert can be resolved from any state before it.
 */
export const ALERT_EVENT_KINDS = ['opened', 'notified', 'escalated', 'acknowledged', 'resolved'] as const;
export type AlertEventKind = (typeof ALERT_EVENT_KINDS)[number];

export const ALERT_STATES = ['open', 'notified', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** The actor of events the product records itself (rules, the mailer). */
export const SYSTEM_ACTOR = 'system';

export interface AlertEvent {
  readonly alertId: string;
  readonly kind: AlertEventKind;
  /** When it happened (UTC ms): evaluation instant, mail accepted, person acted. */
  readonly atMs: number;
  /** `system` or the person (or token) who acted. */
  readonly actor: string;
  /** The justification (acknowledged) or note (resolved), as typed. */
  readonly text?: string | undefined;
  /** opened: the finding that raised it; resolved by the system: the finding that cleared it. */
  readonly finding?: RuleFinding | undefined;
  /** notified / escalated: who was mailed. */
  readonly recipients?: readonly string[] | undefined;
}

/** The id of the one alert a (rule, subject, window) can have: readable and the same on every worker. */
export function alertIdOf(key: {
  readonly rule: AlertRule;
  readonly subject: AlertSubject;
  readonly window: string;
}): string {
  return `${key.rule}:${key.subject.kind}:${key.subject.id}:${key.window}`;
}

export interface Alert {
  readonly id: string;
  readonly rule: AlertRule;
  readonly subject: AlertSubject;
  readonly window: string;
  readonly severity: AlertSeverity;
  readonly state: AlertState;
  /** The finding that opened it. */
  readonly finding: RuleFinding;
  readonly openedAtMs: number;
  readonly notified?: { readonly atMs: number; readonly recipients: readonly string[] } | undefined;
  readonly escalated?: { readonly atMs: number; readonly recipients: readonly string[] } | undefined;
  readonly acknowledged?: { readonly atMs: number; readonly by: string; readonly justification: string } | undefined;
  readonly resolved?: { readonly atMs: number; readonly by: string; readonly note?: string | undefined } | undefined;
  /** Every event of the alert, in order. */
  readonly events: readonly AlertEvent[];
}

/**
 * The alerts as their events leave them, in the order they were opened. Events
 * are applied in (atMs, kind order) per alert; an event before the alert's
 * `opened` is ignored, and so is a second event of a kind that can happen once
 * (the first one stands: replays and racing workers change nothing).
 */
export function deriveAlerts(events: readonly AlertEvent[]): Alert[] {
  const byId = new Map<string, AlertEvent[]>();
  for (const e of events) {
    const list = byId.get(e.alertId);
    if (list) list.push(e);
    else byId.set(e.alertId, [e]);
  }
  const alerts: Alert[] = [];
  for (const list of byId.values()) {
    const ordered = [...list].sort(
      (a, b) => a.atMs - b.atMs || ALERT_EVENT_KINDS.indexOf(a.kind) - ALERT_EVENT_KINDS.indexOf(b.kind),
    );
    const alert = foldAlert(ordered);
    if (alert) alerts.push(alert);
  }
  return alerts.sort((a, b) => a.openedAtMs - b.openedAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function foldAlert(ordered: readonly AlertEvent[]): Alert | undefined {
  const opened = ordered.find((e) => e.kind === 'opened' && e.finding !== undefined);
  if (!opened?.finding) return undefined;
  const { finding } = opened;
  let alert: Alert = {
    id: opened.alertId,
    rule: finding.rule,
    subject: finding.subject,
    window: finding.window,
    severity: finding.severity,
    state: 'open',
    finding,
    openedAtMs: opened.atMs,
    events: [],
  };
  const applied: AlertEvent[] = [];
  for (const e of ordered) {
    if (e.atMs < opened.atMs) continue;
    if (e === opened) {
      applied.push(e);
      continue;
    }
    const next = apply(alert, e);
    if (next) {
      alert = next;
      applied.push(e);
    }
  }
  return { ...alert, events: applied };
}

/** The alert after one more event, or undefined when the event does not apply in its state. */
function apply(alert: Alert, e: AlertEvent): Alert | undefined {
  if (alert.state === 'resolved') return undefined;
  switch (e.kind) {
    case 'opened':
      return undefined;
    case 'notified':
      if (alert.notified) return undefined;
      return {
        ...alert,
        notified: { atMs: e.atMs, recipients: e.recipients ?? [] },
        state: alert.state === 'open' ? 'notified' : alert.state,
      };
    case 'escalated':
      if (alert.escalated) return undefined;
      return { ...alert, escalated: { atMs: e.atMs, recipients: e.recipients ?? [] } };
    case 'acknowledged':
      if (alert.acknowledged) return undefined;
      return {
        ...alert,
        acknowledged: { atMs: e.atMs, by: e.actor, justification: e.text ?? '' },
        state: 'acknowledged',
      };
    case 'resolved':
      return { ...alert, resolved: { atMs: e.atMs, by: e.actor, note: e.text }, state: 'resolved' };
  }
}
