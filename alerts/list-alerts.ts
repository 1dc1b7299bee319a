import { AppError } from '../src/kernel/index.js';
import { deriveAlerts, type Alert, type AlertState } from './core/alert-events.js';
import type { AlertRule, AlertSubject } from './core/alert-types.js';
import type { AlertEventStore } from './ports.js';

/**
 * The organisation tree as alerts needs it: which institutions and meters lie
 * under a node (accounting's FleetView satisfies it). An alert's subject is a
 * meter or an institution; it belongs to a node when its institution is at or
 * under it.
 */
export interface AlertOrgScope {
  /** Undefined when no org unit or institution has that id. */
  institutionsUnder(nodeId: string): readonly { readonly id: string }[] | undefined;
  metersOf(institutionIds: readonly string[]): readonly { readonly id: string }[];
  virtualMetersOf(institutionIds: readonly string[]): readonly { readonly id: string }[];
}

/** Whether a subject lies under the node; ORG_NOT_FOUND for an unknown node. */
export function subjectsUnder(scope: AlertOrgScope, nodeId: string): (subject: AlertSubject) => boolean {
  const institutions = scope.institutionsUnder(nodeId);
  if (institutions === undefined) throw new AppError('ORG_NOT_FOUND', `no organisation unit or institution ${nodeId}`);
  const ids = institutions.map((i) => i.id);
  const institutionIds = new Set(ids);
  const meterIds = new Set([...scope.metersOf(ids), ...scope.virtualMetersOf(ids)].map((m) => m.id));
  return (subject) => (subject.kind === 'institution' ? institutionIds : meterIds).has(subject.id);
}

/** Where the next page starts: the last alert of this one (the order is newest first). */
export interface AlertCursor {
  readonly openedAtMs: number;
  readonly id: string;
}

export interface ListAlertsQuery {
  /** An org unit or institution: its subtree's alerts. */
  readonly orgId?: string | undefined;
  readonly state?: AlertState | undefined;
  readonly rule?: AlertRule | undefined;
  /** On the alert's opening instant: fromMs <= openedAt < toMs. */
  readonly fromMs?: number | undefined;
  readonly toMs?: number | undefined;
  readonly limit: number;
  readonly after?: AlertCursor | undefined;
}

export interface AlertPage {
  readonly alerts: readonly Alert[];
  /** Present when more alerts match. */
  readonly next?: AlertCursor | undefined;
}

export type ListAlerts = (query: ListAlertsQuery) => Promise<AlertPage>;

/**
 * The alerts as their events leave them, newest first, filtered and paged by
 * keyset on (openedAt, id): a page is stable while new alerts open. The state is
 * derived from the events (docs/alerts.md), so the events from `fromMs` on are
 * read: every event of an alert comes at or after its opening.
 */
export function createListAlerts(deps: { readonly store: AlertEventStore; readonly scope: AlertOrgScope }): ListAlerts {
  return async (query) => {
    const inOrg = query.orgId === undefined ? () => true : subjectsUnder(deps.scope, query.orgId);
    const events = await deps.store.events(query.fromMs === undefined ? {} : { fromMs: query.fromMs });
    const { after } = query;
    const matching = deriveAlerts(events)
      .filter(
        (a) =>
          (query.state === undefined || a.state === query.state) &&
          (query.rule === undefined || a.rule === query.rule) &&
          (query.toMs === undefined || a.openedAtMs < query.toMs) &&
          inOrg(a.subject) &&
          (after === undefined || newerFirst(a, after) > 0),
      )
      .sort(newerFirst);
    const alerts = matching.slice(0, query.limit);
    const last = alerts.at(-1);
    const next = matching.length > query.limit && last ? { openedAtMs: last.openedAtMs, id: last.id } : undefined;
    return { alerts, next };
  };
}

/** Newest first; ties by id, descending. Positive when `a` comes after `b`. */
function newerFirst(a: AlertCursor, b: AlertCursor): number {
  return b.openedAtMs - a.openedAtMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
