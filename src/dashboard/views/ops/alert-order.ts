import type { Alert, AlertRule, AlertState, Severity } from './ops-api.js';

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** The states of an alert still to be dealt with: the view's default filter. */
export const ACTIVE_STATES: readonly AlertState[] = ['open', 'notified', 'acknowledged'];

/**
 * Most severe first, then newest first; the id breaks ties so that the order is
 * stable across reloads (two alerts opened in the same evaluation share an instant).
 */
export function compareAlerts(a: Alert, b: Alert): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    Date.parse(b.openedAt) - Date.parse(a.openedAt) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** Several pages (one query per state) as one list, each alert once, in the view's order. */
export function mergeAlerts(...pages: readonly (readonly Alert[])[]): Alert[] {
  const byId = new Map<string, Alert>();
  for (const page of pages) for (const alert of page) byId.set(alert.id, alert);
  return [...byId.values()].sort(compareAlerts);
}

/**
 * The service refuses to acknowledge a quota alert without a justification
 * (JUSTIFICATION_REQUIRED, docs/alerts.md): the form says so before it is sent.
 */
export function needsJustification(rule: AlertRule): boolean {
  return rule.startsWith('quota_');
}

/** What a person may still do with an alert: a resolved one takes no more actions. */
export function actionsOf(alert: Alert): { acknowledge: boolean; resolve: boolean } {
  return { acknowledge: alert.state === 'open' || alert.state === 'notified', resolve: alert.state !== 'resolved' };
}
