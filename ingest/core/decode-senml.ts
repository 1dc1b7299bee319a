import { isRecord } from './decode-json.js';
import type { MeterDirectory, RawItem } from './ingest-types.js';

/**
 * SenML (RFC 8428) in JSON: an array of records. Base fields (bn, bt, bu, bv, bs)
 * apply to the records that follow until replaced. A record's meter is found by
 * its resolved name (bn + n); its register is `v` (or `s`, the sum field, which
 * cumulative energy meters often use), plus the base value. Time is in seconds
 * since the epoch (bt + t), possibly fractional.
 *
 * Relative times (t < 2^28, "seconds before now" in the RFC) are refused: a
 * reading must carry the device's own time, not the moment of decoding.
 */
export const SENML_RELATIVE_TIME_LIMIT_S = 2 ** 28;

export function decodeSenmlItems(payload: unknown, directory: MeterDirectory): RawItem[] | string {
  if (!Array.isArray(payload)) return 'SenML payload must be a JSON array of records';
  const items: RawItem[] = [];
  // A base field of the wrong type poisons the records it applies to (NaN, null name)
  // instead of being skipped: skipping it would stamp them with an earlier base.
  let baseName: string | null = '';
  let baseTimeS = 0;
  let baseUnit: unknown;
  let baseValue = 0;
  let baseSum = 0;
  for (const record of payload) {
    const raw = JSON.stringify(record) ?? String(record);
    if (!isRecord(record)) {
      items.push(emptyItem(raw));
      continue;
    }
    if (record.bn !== undefined) baseName = typeof record.bn === 'string' ? record.bn : null;
    if (record.bt !== undefined) baseTimeS = numberOrNaN(record.bt);
    if (record.bu !== undefined) baseUnit = record.bu;
    if (record.bv !== undefined) baseValue = numberOrNaN(record.bv);
    if (record.bs !== undefined) baseSum = numberOrNaN(record.bs);
    const hasValue = record.v !== undefined || record.s !== undefined;
    if (!hasValue && record.n === undefined) continue; // a base-only record
    const name =
      baseName === null || (record.n !== undefined && typeof record.n !== 'string')
        ? null
        : baseName + (record.n ?? '');
    const meter = name === null ? undefined : directory.bySenmlName(name);
    const timeS = baseTimeS + (record.t === undefined ? 0 : numberOrNaN(record.t));
    items.push({
      meter,
      addressedTo: name || null,
      ts: senmlTime(timeS),
      value: addBase(record.v !== undefined ? record.v : record.s, record.v !== undefined ? baseValue : baseSum),
      seq: undefined,
      unit: record.u ?? baseUnit,
      meterIdInPayload: undefined,
      raw,
      localTime: false,
    });
  }
  return items;
}

function numberOrNaN(value: unknown): number {
  return typeof value === 'number' ? value : NaN;
}

/** Epoch ms, or (for validation to refuse) a text saying why the time is not one. */
function senmlTime(timeS: number): number | string {
  if (Number.isNaN(timeS)) return 'SenML time (bt, t) is not a number';
  return timeS < SENML_RELATIVE_TIME_LIMIT_S ? `relative SenML time ${timeS}` : Math.round(timeS * 1000);
}

function addBase(value: unknown, base: number): unknown {
  if (Number.isNaN(base)) return 'a base value (bv, bs) that is not a number';
  return typeof value === 'number' ? value + base : value;
}

function emptyItem(raw: string): RawItem {
  return {
    meter: undefined,
    addressedTo: null,
    ts: undefined,
    value: undefined,
    seq: undefined,
    unit: undefined,
    meterIdInPayload: undefined,
    raw,
    localTime: false,
  };
}
