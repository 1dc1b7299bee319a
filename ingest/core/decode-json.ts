import type { MeterSpec, RawItem } from './ingest-types.js';

/**
 * The generic codec: topic meters/{meterId}/readings, payload one object
 * `{ts, value, seq?, unit?, meter?}` or an array of them (a gateway batch).
 * Returns one RawItem per element; a non-object element becomes an item whose
 * fields are missing, so validation quarantines that element alone.
 */
export function decodeJsonItems(payload: unknown, meterId: string, meter: MeterSpec | undefined): RawItem[] {
  const elements = Array.isArray(payload) ? payload : [payload];
  return elements.map((element) => {
    const obj = isRecord(element) ? element : {};
    return {
      meter,
      addressedTo: meterId,
      ts: obj.ts,
      value: obj.value,
      seq: obj.seq,
      unit: obj.unit,
      meterIdInPayload: obj.meter ?? obj.meterId,
      // Serialised only when validation refuses the item: an accepted reading never needs its raw text.
      get raw() {
        return JSON.stringify(element) ?? String(element);
      },
      localTime: false,
    };
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
