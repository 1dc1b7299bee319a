import type { AlertEvent } from './core/alert-events.js';
import type { AlertRule, RuleFinding } from './core/alert-types.js';

/**
 * What alerts needs from the outside. The rule families read other capabilities
 * only through their index.ts (accounting for consumption, ingest for what was
 * received); the event store and the outbox are alerts' own tables, one adapter
 * per engine (alerts/adapters), each held to a contract suite on both engines.
 */

/**
 * A family of rules (quotas, baselines, meter health) with the inputs it reads.
 * `evaluate` looks at the figures as they stood at `asOfMs`: only readings with
 * a device time before it, quota progress as of that day. The live job passes
 * the clock's now; the backtest passes past instants. Same code for both.
 */
export interface RuleFamily {
  readonly name: string;
  readonly rules: readonly AlertRule[];
  evaluate(asOfMs: number): Promise<readonly RuleFinding[]>;
}

export interface AlertEventQuery {
  /** Events with fromMs <= atMs < toMs (both optional: all). */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Only these alerts' events. */
  readonly alertIds?: readonly string[];
}

/** The append-only alert event log. Appending an event already stored (same alert, kind, instant) is a no-op. */
export interface AlertEventStore {
  /** Creates the table if missing. Safe on every start. */
  init(): Promise<void>;
  /** Resolves once the events are durable and visible to `events`. */
  append(events: readonly AlertEvent[]): Promise<void>;
  /** Ascending by (atMs, alertId). */
  events(query: AlertEventQuery): Promise<AlertEvent[]>;
}
