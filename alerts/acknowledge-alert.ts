import { AppError } from '../src/kernel/index.js';
import { deriveAlerts, type Alert, type AlertEvent } from './core/alert-events.js';
import { RULE_POLICIES } from './core/alert-types.js';
import type { AlertEventStore } from './ports.js';

/**
 * What a person does to an alert (docs/alerts.md): acknowledge it (who, and a
 * justification, required for the rules whose policy says so: quota overruns
 * need the institution's explanation) and resolve it (who, and a note). Each is
 * one appended event; the alert's state is derived from its events.
 *
 * Refusals are stable codes: ALERT_NOT_FOUND, ALERT_ALREADY_ACKNOWLEDGED,
 * ALERT_ALREADY_RESOLVED, JUSTIFICATION_REQUIRED. Two people acting at once both
 * append; the first event stands (deriveAlerts), and the other one is told so
 * by reading the alert back after the append.
 */
export interface AlertActionDeps {
  readonly store: AlertEventStore;
  readonly nowMs: () => number;
}

export interface AcknowledgeRequest {
  readonly by: string;
  readonly justification?: string | undefined;
}

export interface ResolveRequest {
  readonly by: string;
  readonly note?: string | undefined;
}

export type AcknowledgeAlert = (alertId: string, request: AcknowledgeRequest) => Promise<Alert>;
export type ResolveAlert = (alertId: string, request: ResolveRequest) => Promise<Alert>;

export function createAcknowledgeAlert(deps: AlertActionDeps): AcknowledgeAlert {
  return async (alertId, { by, justification }) => {
    const alert = await readAlert(deps.store, alertId);
    refuseResolved(alert);
    if (alert.acknowledged) throw alreadyAcknowledged(alert);
    const text = justification?.trim() ?? '';
    if (text === '' && RULE_POLICIES[alert.rule].justificationRequired) {
      throw new AppError('JUSTIFICATION_REQUIRED', `acknowledging a ${alert.rule} alert needs a justification`, {
        details: { rule: alert.rule },
      });
    }
    const event: AlertEvent = { alertId, kind: 'acknowledged', atMs: deps.nowMs(), actor: by, text };
    const after = await appendAndRead(deps.store, event);
    const ack = after.acknowledged;
    // Someone else's acknowledgement came first (or at the same instant, and the store kept theirs).
    if (ack === undefined || ack.by !== by || ack.atMs !== event.atMs || ack.justification !== text) {
      throw alreadyAcknowledged(after);
    }
    return after;
  };
}

/**
 * Resolving an alert that was never acknowledged, of a rule that needs a
 * justification, needs a note: the explanation is not skipped by resolving.
 */
export function createResolveAlert(deps: AlertActionDeps): ResolveAlert {
  return async (alertId, { by, note }) => {
    const alert = await readAlert(deps.store, alertId);
    refuseResolved(alert);
    const text = note?.trim() ?? '';
    if (text === '' && alert.acknowledged === undefined && RULE_POLICIES[alert.rule].justificationRequired) {
      throw new AppError('JUSTIFICATION_REQUIRED', `resolving an unacknowledged ${alert.rule} alert needs a note`, {
        details: { rule: alert.rule },
      });
    }
    const event: AlertEvent = {
      alertId,
      kind: 'resolved',
      atMs: deps.nowMs(),
      actor: by,
      ...(text === '' ? {} : { text }),
    };
    const after = await appendAndRead(deps.store, event);
    const resolved = after.resolved;
    if (resolved === undefined || resolved.by !== by || resolved.atMs !== event.atMs) {
      throw new AppError('ALERT_ALREADY_RESOLVED', `alert ${alertId} was resolved first by ${resolved?.by ?? '?'}`, {
        details: { resolved },
      });
    }
    return after;
  };
}

export async function readAlert(store: AlertEventStore, alertId: string): Promise<Alert> {
  const [alert] = deriveAlerts(await store.events({ alertIds: [alertId] }));
  if (alert === undefined) throw new AppError('ALERT_NOT_FOUND', `no alert ${alertId}`);
  return alert;
}

async function appendAndRead(store: AlertEventStore, event: AlertEvent): Promise<Alert> {
  await store.append([event]);
  return readAlert(store, event.alertId);
}

function refuseResolved(alert: Alert): void {
  if (alert.resolved) {
    throw new AppError('ALERT_ALREADY_RESOLVED', `alert ${alert.id} was resolved by ${alert.resolved.by}`, {
      details: { resolved: alert.resolved },
    });
  }
}

function alreadyAcknowledged(alert: Alert): AppError {
  if (alert.resolved) {
    return new AppError('ALERT_ALREADY_RESOLVED', `alert ${alert.id} was resolved by ${alert.resolved.by}`, {
      details: { resolved: alert.resolved },
    });
  }
  return new AppError('ALERT_ALREADY_ACKNOWLEDGED', `alert ${alert.id} was acknowledged by ${alert.acknowledged?.by}`, {
    details: { acknowledged: alert.acknowledged },
  });
}
