import { localWallTimeMs, parseIsoInstant } from '../../src/kernel/index.js';
import type { AcceptedItem, IngestLimits, RawItem, Rejection } from './ingest-types.js';

/** Before this instant a number is not epoch milliseconds (most likely seconds). */
const EARLIEST_PLAUSIBLE_MS = Date.UTC(2000, 0, 1);
const NON_FINITE_TEXT = new Set(['NaN', 'Infinity', '-Infinity', '+Infinity', 'inf', '-inf', 'nan']);
/** Unit spellings seen in the field for the same unit. */
const UNIT_ALIASES: Readonly<Record<string, string>> = {
  'm³': 'm3',
  'm^3': 'm3',
  kwh: 'kWh',
  KWH: 'kWh',
  KWh: 'kWh',
  mwh: 'MWh',
};

/**
 * Decides one item: a reading, or a rejection with a stable reason. Checks run
 * in a fixed order so that an item with several faults always gets the same code.
 */
export function validateItem(item: RawItem, nowMs: number, limits: IngestLimits): AcceptedItem | Rejection {
  const reject = (reason: Rejection['reason'], detail: string): Rejection => ({
    reason,
    detail,
    meterId: item.meter?.id ?? item.addressedTo,
    payload: item.raw,
  });
  const meter = item.meter;
  if (!meter) return reject('unknown_meter', `no meter is registered for "${item.addressedTo ?? '(none)'}"`);

  const tsMs = parseDeviceTime(item.ts, item.localTime ? meter.timeZone : undefined);
  if (typeof tsMs === 'string') return reject('schema_violation', tsMs);

  if (typeof item.value === 'string' && NON_FINITE_TEXT.has(item.value.trim())) {
    return reject('non_finite_number', `value is ${item.value}`);
  }
  if (typeof item.value !== 'number')
    return reject('schema_violation', `value must be a number, got ${describe(item.value)}`);
  if (!Number.isFinite(item.value)) return reject('non_finite_number', `value is ${item.value}`);
  if (item.value < 0) return reject('negative_register', `value ${item.value} is negative`);

  let seq: number | null = null;
  if (item.seq !== undefined && item.seq !== null) {
    if (typeof item.seq !== 'number' || !Number.isSafeInteger(item.seq) || item.seq < 0) {
      return reject('schema_violation', `seq must be a non-negative integer, got ${describe(item.seq)}`);
    }
    seq = item.seq;
  }

  if (item.unit !== undefined && item.unit !== null) {
    if (typeof item.unit !== 'string')
      return reject('schema_violation', `unit must be a string, got ${describe(item.unit)}`);
    const unit = UNIT_ALIASES[item.unit] ?? item.unit;
    if (unit !== meter.unit)
      return reject('unit_mismatch', `unit ${item.unit} but meter ${meter.id} is registered in ${meter.unit}`);
  }

  if (item.meterIdInPayload !== undefined && item.meterIdInPayload !== null && item.meterIdInPayload !== meter.id) {
    return reject(
      'meter_id_mismatch',
      `payload names meter ${describe(item.meterIdInPayload)} but the topic is for ${meter.id}`,
    );
  }

  if (tsMs > nowMs + limits.maxFutureSkewMs) {
    return reject(
      'future_timestamp',
      `timestamp ${instantText(tsMs)} is ${Math.round((tsMs - nowMs) / 1000)} s ahead of the service clock`,
    );
  }
  return { meterId: meter.id, tsMs, value: item.value, seq };
}

export function isRejection(value: AcceptedItem | Rejection): value is Rejection {
  return 'reason' in value;
}

/** Epoch ms, ISO-8601 with offset, or (localTimeZone given) a local time without offset. Else a message. */
function parseDeviceTime(ts: unknown, localTimeZone: string | undefined): number | string {
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts) || !Number.isInteger(ts)) return `ts must be integer epoch milliseconds, got ${ts}`;
    if (ts < EARLIEST_PLAUSIBLE_MS) return `ts ${ts} is before 2000 (seconds sent as milliseconds?)`;
    return ts;
  }
  if (typeof ts !== 'string') return `ts must be an ISO-8601 string or epoch milliseconds, got ${describe(ts)}`;
  const instant = parseIsoInstant(ts);
  if (instant !== undefined) return instant;
  if (localTimeZone !== undefined) {
    const local = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(ts);
    if (local) {
      const [year, month, day, hour, minute, second] = local.slice(1).map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      const ms = localWallTimeMs({ year, month, day, hour, minute, second }, localTimeZone);
      if (ms !== undefined) return ms;
    }
  }
  return `ts "${ts.slice(0, 40)}" is not an ISO-8601 instant with an offset`;
}

/** Largest |epoch ms| a Date holds; toISOString throws beyond it (epoch µs and ns land there). */
const MAX_DATE_MS = 8.64e15;

function instantText(tsMs: number): string {
  return Math.abs(tsMs) <= MAX_DATE_MS ? new Date(tsMs).toISOString() : `${tsMs} ms since the epoch`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
