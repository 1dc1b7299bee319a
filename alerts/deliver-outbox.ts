import { AppError, isAppError } from '../src/kernel/index.js';
import type { Alert } from './core/alert-events.js';
import {
  planNotifications,
  type NotificationPlanSettings,
  type NotificationRecipient,
  type NotificationTree,
  type OutboxMessage,
} from './core/notification-plan.js';

/**
 * Alert mail that never goes missing (docs/alerts.md, "Email"): what the plan says is
 * written to the outbox first, and only then sent. The outbox is append-only: a
 * `queued` row carries the rendered message and its Message-ID, a `sent` row says the
 * SMTP server accepted it; pending = queued without sent.
 *
 * Per message: send, then `onDelivered` (the shell records `notified`/`escalated`
 * alert events), then the `sent` row. A crash anywhere before the `sent` row makes the
 * next run send the same stored message again, with the same Message-ID, which a mail
 * client shows once; `onDelivered` may then run twice for one message, which the alert
 * events tolerate (a second `notified` changes nothing). Recording `sent` before
 * `onDelivered` would instead lose the alert's `notified` event on such a crash, and
 * with it the escalation.
 */

/** The outbox table, one adapter per engine (alerts/adapters), held to one contract suite. */
export interface OutboxStore {
  /** Creates the table if missing. Safe on every start. */
  init(): Promise<void>;
  /**
   * Appends a `queued` row per message; resolves once the rows are durable and visible.
   * A key queued before keeps its first row: planning again, or two workers, change nothing.
   */
  queue(messages: readonly OutboxMessage[]): Promise<void>;
  /** Appends `sent` rows (idempotent: a key sent before stays as it was). */
  markSent(sent: readonly SentRecord[]): Promise<void>;
  /** The subset of `keys` that is queued (sent or not). */
  queuedKeys(keys: readonly string[]): Promise<Set<string>>;
  /** Queued and not sent, ascending by (queuedAtMs, key), each key's first queued row. */
  pending(): Promise<OutboxMessage[]>;
  /** Releases the adapter's own resources (not the engine client, which its owner closes). */
  close(): Promise<void>;
}

export interface SentRecord {
  readonly key: string;
  readonly messageId: string;
  /** When the SMTP server accepted it (UTC ms). */
  readonly sentAtMs: number;
}

/** Sends one stored message as it is (its Message-ID, Date, texts). */
export interface Mailer {
  /**
   * Resolves once the server accepted the message. Rejects with AppError: MAIL_UNAVAILABLE
   * (retryable: no connection, timeout, 4xx), MAIL_AUTH_FAILED, MAIL_TLS_FAILED,
   * MAIL_REJECTED (5xx for this message: the others may still go).
   */
  send(message: OutboxMessage): Promise<{ readonly response: string }>;
  close(): Promise<void>;
}

export interface Delivered {
  readonly message: OutboxMessage;
  readonly sentAtMs: number;
}

export interface DeliverOutboxDeps {
  readonly store: OutboxStore;
  readonly mailer: Mailer;
  readonly nowMs: () => number;
  /** Turns a delivered message into alert events; awaited before the `sent` row is written. */
  readonly onDelivered: (delivered: Delivered) => Promise<void>;
}

/** What to mail about and to whom (settings.alerts.email and the fleet, as the plan reads them). */
export interface NotificationInput {
  readonly alerts: readonly Alert[];
  readonly recipients: readonly NotificationRecipient[];
  readonly tree: NotificationTree;
  readonly settings: NotificationPlanSettings;
}

export interface QueueOutcome {
  readonly queued: readonly OutboxMessage[];
  /** Alerts with no officer at or above their org unit. */
  readonly unrouted: readonly string[];
}

export interface DeliveryOutcome {
  readonly sent: readonly OutboxMessage[];
  /** Refused by the server for good (5xx); they stay pending and are tried again next run. */
  readonly rejected: readonly { readonly message: OutboxMessage; readonly error: AppError }[];
}

export interface OutboxDelivery {
  /** Plans at the clock's now and queues the messages not queued yet. */
  queue(input: NotificationInput): Promise<QueueOutcome>;
  /**
   * Sends every pending message in order. A failure that is not about one message (no
   * connection, AUTH, TLS) ends the run with that AppError; what was sent stays sent.
   * Runs do not overlap: a call during a run waits for it and then runs.
   */
  deliver(): Promise<DeliveryOutcome>;
  /** queue, then deliver. */
  run(input: NotificationInput): Promise<QueueOutcome & DeliveryOutcome>;
}

export function createOutboxDelivery(deps: DeliverOutboxDeps): OutboxDelivery {
  const { store, mailer, nowMs, onDelivered } = deps;
  let tail: Promise<unknown> = Promise.resolve();

  async function queue(input: NotificationInput): Promise<QueueOutcome> {
    const plan = planNotifications({ ...input, queuedKeys: new Set(), nowMs: nowMs() });
    // The plan is per message, so filtering its output by the stored keys is the same as planning with them.
    const already = await store.queuedKeys(plan.messages.map((m) => m.key));
    const queued = plan.messages.filter((m) => !already.has(m.key));
    if (queued.length > 0) await store.queue(queued);
    return { queued, unrouted: plan.unrouted };
  }

  async function deliverNow(): Promise<DeliveryOutcome> {
    const sent: OutboxMessage[] = [];
    const rejected: { message: OutboxMessage; error: AppError }[] = [];
    for (const message of await store.pending()) {
      try {
        await mailer.send(message);
      } catch (error) {
        if (isAppError(error) && error.code === 'MAIL_REJECTED') {
          rejected.push({ message, error });
          continue;
        }
        throw isAppError(error)
          ? error
          : new AppError('MAIL_UNAVAILABLE', `mail ${message.key} failed: ${String(error)}`, {
              retryable: true,
              cause: error,
            });
      }
      const sentAtMs = nowMs();
      await onDelivered({ message, sentAtMs });
      await store.markSent([{ key: message.key, messageId: message.messageId, sentAtMs }]);
      sent.push(message);
    }
    return { sent, rejected };
  }

  function deliver(): Promise<DeliveryOutcome> {
    const result = tail.then(deliverNow);
    tail = result.catch(() => undefined);
    return result;
  }

  return {
    queue,
    deliver,
    async run(input) {
      const queued = await queue(input);
      return { ...queued, ...(await deliver()) };
    },
  };
}
