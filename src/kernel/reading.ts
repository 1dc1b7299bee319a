import type { RejectionReason } from './rejection-reasons.js';

/** How far a stored reading can be trusted; set at ingest, refined by accounting. */
export type ReadingQuality = 'ok';

/**
 * One validated register reading. `tsMs` is the device's timestamp (UTC epoch ms);
 * `receivedAtMs` is when the service received it. `value` is the register as the
 * meter reported it, in the meter's configured unit, before any multiplier.
 */
export interface Reading {
  readonly meterId: string;
  readonly tsMs: number;
  readonly value: number;
  readonly seq: number | null;
  readonly receivedAtMs: number;
  readonly quality: ReadingQuality;
}

/**
 * A payload (or one item of a gateway batch) that was not accepted, kept with
 * everything needed to understand and replay it. `id` is unique and stable across
 * spool replays, so the store can de-duplicate quarantine rows too.
 */
export interface QuarantineRecord {
  readonly id: string;
  readonly receivedAtMs: number;
  readonly topic: string;
  readonly meterId: string | null;
  readonly reason: RejectionReason;
  readonly detail: string;
  readonly payload: string;
}
