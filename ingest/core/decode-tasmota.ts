import { isRecord } from './decode-json.js';
import type { MeterSpec, RawItem } from './ingest-types.js';

/**
 * Tasmota's periodic SENSOR telemetry (topic tele/{device}/SENSOR):
 * `{"Time":"2026-10-01T08:15:00","ENERGY":{"Total":123.456,...}}`.
 * The register is ENERGY.Total in kWh. Tasmota writes `Time` in the device's
 * local time without an offset (its Timezone setting); we read it in the
 * meter's institution time zone, which is how such devices are set up on site.
 */
export function decodeTasmotaItem(payload: unknown, device: string, meter: MeterSpec | undefined): RawItem {
  const obj = isRecord(payload) ? payload : {};
  const energy = isRecord(obj.ENERGY) ? obj.ENERGY : {};
  return {
    meter,
    addressedTo: meter?.id ?? device,
    ts: obj.Time,
    value: energy.Total,
    seq: undefined,
    unit: 'kWh',
    meterIdInPayload: undefined,
    raw: JSON.stringify(payload) ?? String(payload),
    localTime: true,
  };
}
