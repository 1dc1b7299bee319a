import { AppError } from '../../src/kernel/index.js';
import { ALERT_EVENT_KINDS, type AlertEvent, type AlertEventKind } from '../core/alert-events.js';
import type { RuleFinding } from '../core/alert-types.js';
import type { AlertEventQuery } from '../ports.js';

/**
 * An alert event as a table row, the same in every engine: the finding and the
 * recipients are JSON text (they are read back whole, never queried into), the
 * justification or note is `note`.
 */
export interface AlertEventRow {
  readonly alertId: string;
  readonly kind: string;
  readonly atMs: number;
  readonly actor: string;
  readonly note: string | null;
  readonly finding: string | null;
  readonly recipients: string | null;
}

export function toRow(e: AlertEvent): AlertEventRow {
  return {
    alertId: e.alertId,
    kind: e.kind,
    atMs: e.atMs,
    actor: e.actor,
    note: e.text ?? null,
    finding: e.finding === undefined ? null : JSON.stringify(e.finding),
    recipients: e.recipients === undefined ? null : JSON.stringify(e.recipients),
  };
}

export function fromRow(row: AlertEventRow): AlertEvent {
  if (!(ALERT_EVENT_KINDS as readonly string[]).includes(row.kind)) {
    throw new AppError('STORE_QUERY_FAILED', `alert event of ${row.alertId} has an unknown kind ${row.kind}`);
  }
  return {
    alertId: row.alertId,
    kind: row.kind as AlertEventKind,
    atMs: row.atMs,
    actor: row.actor,
    ...(row.note === null ? {} : { text: row.note }),
    ...(row.finding === null ? {} : { finding: parseJson(row, row.finding) as RuleFinding }),
    ...(row.recipients === null ? {} : { recipients: parseJson(row, row.recipients) as string[] }),
  };
}

/** The same events in the same order from every engine: (atMs, alertId, kind). */
export function byEventOrder(a: AlertEvent, b: AlertEvent): number {
  return a.atMs - b.atMs || compare(a.alertId, b.alertId) || compare(a.kind, b.kind);
}

/** Whether an event falls in the query (an engine that filters in SQL uses it for what it could not filter). */
export function matches(query: AlertEventQuery, ids: ReadonlySet<string> | undefined, e: AlertEvent): boolean {
  if (query.fromMs !== undefined && e.atMs < query.fromMs) return false;
  if (query.toMs !== undefined && e.atMs >= query.toMs) return false;
  return ids === undefined || ids.has(e.alertId);
}

/** A table name under a prefix (tests sharing one QuestDB); refused unless a plain identifier. */
export function alertEventsTable(prefix: string): string {
  if (!/^[A-Za-z0-9_]*$/.test(prefix)) throw new Error(`tablePrefix must match [A-Za-z0-9_]*: ${prefix}`);
  return `${prefix}alert_events`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseJson(row: AlertEventRow, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AppError('STORE_QUERY_FAILED', `alert event of ${row.alertId} holds unreadable JSON`, { cause });
  }
}
