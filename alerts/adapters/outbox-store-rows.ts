import { AppError } from '../../src/kernel/index.js';
import { MESSAGE_KINDS, type OutboxMessage } from '../core/notification-plan.js';

/**
 * The outbox table's shape, shared by both engines' adapters: one row per (message key,
 * event), event `queued` (the rendered message as JSON in `payload`) or `sent`.
 */
export const OUTBOX_TABLE = 'alert_outbox';

/** The table name under a prefix (tests sharing one QuestDB); refused unless a plain identifier. */
export function outboxTableName(prefix: string): string {
  if (!/^[A-Za-z0-9_]*$/.test(prefix)) throw new Error(`tablePrefix must match [A-Za-z0-9_]*: ${prefix}`);
  return `${prefix}${OUTBOX_TABLE}`;
}

export function messageToPayload(message: OutboxMessage): string {
  return JSON.stringify(message);
}

/** Reads a stored payload back; a row that is not one of ours is a store problem, not a message to send. */
export function payloadToMessage(payload: unknown, key: string): OutboxMessage {
  let value: unknown;
  try {
    value = typeof payload === 'string' ? JSON.parse(payload) : undefined;
  } catch {
    value = undefined;
  }
  const m = value as Partial<OutboxMessage> | undefined;
  const ok =
    m !== undefined &&
    m !== null &&
    m.key === key &&
    typeof m.messageId === 'string' &&
    typeof m.subject === 'string' &&
    typeof m.text === 'string' &&
    typeof m.html === 'string' &&
    typeof m.from === 'string' &&
    typeof m.queuedAtMs === 'number' &&
    typeof m.recipient?.email === 'string' &&
    Array.isArray(m.alertIds) &&
    (MESSAGE_KINDS as readonly string[]).includes(String(m.kind));
  if (!ok) throw new AppError('STORE_QUERY_FAILED', `the outbox row of ${key} does not hold a readable message`);
  return m as OutboxMessage;
}

/** Each key's first queued row (a racing second worker may have queued it again), ascending by (queuedAtMs, key). */
export function firstPerKey(messages: readonly OutboxMessage[]): OutboxMessage[] {
  const first = new Map<string, OutboxMessage>();
  for (const m of messages) {
    const seen = first.get(m.key);
    if (!seen || m.queuedAtMs < seen.queuedAtMs) first.set(m.key, m);
  }
  return [...first.values()].sort(
    (a, b) => a.queuedAtMs - b.queuedAtMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}
