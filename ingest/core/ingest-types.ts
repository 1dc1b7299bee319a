import type { Carrier, RejectionReason } from '../../src/kernel/index.js';

/** What ingest needs to know of a meter to validate its readings. */
export interface MeterSpec {
  readonly id: string;
  readonly carrier: Carrier;
  readonly unit: string;
  /** IANA zone of the meter's institution: device times without an offset are read in it. */
  readonly timeZone: string;
}

/** Lookups of the fleet registry that payload routing needs. */
export interface MeterDirectory {
  byId(meterId: string): MeterSpec | undefined;
  bySenmlName(name: string): MeterSpec | undefined;
  byTasmotaDevice(device: string): MeterSpec | undefined;
}

/** The subscription filters per codec (from settings.mqtt.topics). */
export interface TopicFilters {
  readonly json: string;
  readonly senml: string;
  readonly tasmota: string;
}

export interface IngestLimits {
  readonly maxPayloadBytes: number;
  readonly maxFutureSkewMs: number;
}

/** A reading that passed validation, before it gets its arrival time. */
export interface AcceptedItem {
  readonly meterId: string;
  readonly tsMs: number;
  readonly value: number;
  readonly seq: number | null;
}

/** An item (or whole message) refused, with a stable reason code. */
export interface Rejection {
  readonly reason: RejectionReason;
  readonly detail: string;
  readonly meterId: string | null;
  /** The raw text of the refused item (the whole payload when the message itself is bad). */
  readonly payload: string;
}

export interface MessageOutcome {
  readonly accepted: AcceptedItem[];
  readonly rejected: Rejection[];
}

/**
 * One item decoded from a codec, not yet checked against the fleet. Fields are
 * `unknown` where the payload may carry anything; validate-item decides.
 */
export interface RawItem {
  readonly meter: MeterSpec | undefined;
  /** The meter id the item is addressed to (topic or name), for messages and quarantine. */
  readonly addressedTo: string | null;
  readonly ts: unknown;
  readonly value: unknown;
  readonly seq: unknown;
  readonly unit: unknown;
  /** A meter id carried inside the payload, to compare with the topic's. */
  readonly meterIdInPayload: unknown;
  /** The item's own raw text, kept for quarantine. */
  readonly raw: string;
  /** A device time without offset is local to the meter's zone (Tasmota). */
  readonly localTime: boolean;
}
