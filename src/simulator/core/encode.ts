import type { Fleet, Meter } from '../../../config/index.js';
import { UNITS, isUnitAllowed } from '../../kernel/index.js';
import type { MalformedVariant } from './faults.js';
import { formatLocalIso } from '../../kernel/index.js';
import { hashString } from './prng.js';
import type { SimMalformed, SimReading } from './simulation.js';

/**
 * Encoders: simulator readings to MQTT messages in the three codecs ingest reads
 * (ingest/core/decode-*.ts). Pure string building.
 *
 * json     topic `meters/{meterId}/readings`; payload `{"ts","value","seq","unit"}` or
 *          an array of those (a gateway batch). `ts` is ISO-8601 with the
 *          institution's offset (`2026-10-01T08:15:00+08:00`) or epoch ms; with
 *          `mixed` (default) meters alternate by their position in the fleet, so
 *          both forms are always exercised.
 * senml    topic `senml/{gatewayId}`, one gateway per building, named after the
 *          building id. Payload an RFC 8428 pack: the first record carries `bn`
 *          (the meter name up to and including its last ':') and `bt` (seconds),
 *          later records `t` relative to it (seconds, may be fractional or
 *          negative) and `bn` again only when it changes. No seq: SenML has none.
 * tasmota  topic `tele/{device}/SENSOR`, one message per reading (Tasmota does not
 *          batch). `Time` is the device's local time WITHOUT an offset, as Tasmota
 *          sends it: the simulated devices are configured with the institution's
 *          time zone (Timezone 8 for Asia/Shanghai, the usual site setup), and
 *          ingest reads `Time` in that zone. Tasmota's clock has whole seconds;
 *          the simulator only stamps Tasmota readings on whole seconds.
 */
export interface MqttMessage {
  readonly topic: string;
  readonly payload: string;
}

export type JsonTimestampStyle = 'iso' | 'epoch' | 'mixed';

export interface EncoderOptions {
  readonly jsonTimestamps?: JsonTimestampStyle;
}

export interface MeterRoute {
  readonly codec: Meter['codec']['kind'];
  /** Readings with the same group may share one message (json: per meter; senml: per gateway; tasmota: never). */
  readonly group: string;
}

export interface Encoder {
  route(meterId: string): MeterRoute;
  /** Readings of one group to messages: one for json and SenML, one per reading for Tasmota. */
  encode(readings: readonly SimReading[]): MqttMessage[];
  encodeMalformed(event: SimMalformed): MqttMessage;
}

export const jsonTopic = (meterId: string) => `meters/${meterId}/readings`;
export const senmlTopic = (gatewayId: string) => `senml/${gatewayId}`;
export const tasmotaTopic = (device: string) => `tele/${device}/SENSOR`;

/** Splits a SenML full name into base name (through the last ':') and name. */
export function splitSenmlName(fullName: string): { bn: string; n: string } {
  const cut = fullName.lastIndexOf(':');
  return cut < 0 ? { bn: '', n: fullName } : { bn: fullName.slice(0, cut + 1), n: fullName.slice(cut + 1) };
}

interface MeterInfo {
  readonly meter: Meter;
  readonly timeZone: string;
  readonly epochTs: boolean;
}

export function createEncoder(fleet: Fleet, options: EncoderOptions = {}): Encoder {
  const style = options.jsonTimestamps ?? 'mixed';
  const zoneOfBuilding = new Map(
    fleet.buildings.map((b) => [
      b.id,
      fleet.institutions.find((inst) => inst.id === b.institution)?.timezone ?? 'Asia/Shanghai',
    ]),
  );
  const info = new Map<string, MeterInfo>(
    fleet.meters.map((meter, i) => [
      meter.id,
      {
        meter,
        timeZone: zoneOfBuilding.get(meter.building) ?? 'Asia/Shanghai',
        epochTs: style === 'epoch' || (style === 'mixed' && i % 2 === 1),
      },
    ]),
  );
  const lookup = (meterId: string): MeterInfo => {
    const found = info.get(meterId);
    if (!found) throw new Error(`meter ${meterId} is not in the fleet`);
    return found;
  };

  const jsonItem = (m: MeterInfo, r: { tsMs: number; value: unknown; seq: number }): Record<string, unknown> => ({
    ts: m.epochTs ? r.tsMs : formatLocalIso(r.tsMs, m.timeZone, true),
    value: r.value,
    seq: r.seq,
    unit: m.meter.unit,
  });

  const senmlPack = (
    records: readonly { m: MeterInfo; tsMs: number; v?: unknown; u?: unknown; name?: string }[],
  ): Record<string, unknown>[] => {
    const first = records[0];
    if (!first) return [];
    const bt = Math.floor(first.tsMs / 1000);
    let currentBn: string | undefined;
    return records.map((r, k) => {
      const full = r.name ?? (r.m.meter.codec.kind === 'senml' ? r.m.meter.codec.name : r.m.meter.id);
      const { bn, n } = splitSenmlName(full);
      const rec: Record<string, unknown> = {};
      if (k === 0 || bn !== currentBn) rec.bn = bn;
      if (k === 0) rec.bt = bt;
      currentBn = bn;
      rec.n = n;
      rec.u = 'u' in r ? r.u : r.m.meter.unit;
      if ('v' in r) rec.v = r.v;
      const t = (r.tsMs - bt * 1000) / 1000;
      if (t !== 0) rec.t = t;
      return rec;
    });
  };

  const tasmotaPayload = (m: MeterInfo, r: SimReading): Record<string, unknown> => {
    const extra = r.tasmota ?? { powerW: 0, todayKwh: 0, yesterdayKwh: 0 };
    const voltage = 230;
    return {
      Time: formatLocalIso(Math.floor(r.tsMs / 1000) * 1000, m.timeZone, false),
      ENERGY: {
        TotalStartTime: totalStartTime(m),
        Total: r.value,
        Yesterday: extra.yesterdayKwh,
        Today: extra.todayKwh,
        Power: extra.powerW,
        ApparentPower: Math.round(extra.powerW / 0.95),
        ReactivePower: Math.round(extra.powerW * 0.33),
        Factor: 0.95,
        Voltage: voltage,
        // Three-phase metering module (e.g. PZEM-004T ×3): current per phase.
        Current: Math.round((extra.powerW / (3 * voltage * 0.95)) * 1000) / 1000,
      },
    };
  };

  return {
    route(meterId) {
      const { meter } = lookup(meterId);
      switch (meter.codec.kind) {
        case 'json':
          return { codec: 'json', group: `json:${meter.id}` };
        case 'senml':
          return { codec: 'senml', group: `senml:${meter.building}` };
        case 'tasmota':
          return { codec: 'tasmota', group: `tasmota:${meter.codec.device}` };
      }
    },

    encode(readings) {
      const first = readings[0];
      if (!first) return [];
      const m = lookup(first.meterId);
      switch (m.meter.codec.kind) {
        case 'json': {
          const items = readings.map((r) => jsonItem(lookup(r.meterId), r));
          return [{ topic: jsonTopic(m.meter.id), payload: JSON.stringify(items.length === 1 ? items[0] : items) }];
        }
        case 'senml':
          return [
            {
              topic: senmlTopic(m.meter.building),
              payload: JSON.stringify(
                senmlPack(readings.map((r) => ({ m: lookup(r.meterId), tsMs: r.tsMs, v: r.value }))),
              ),
            },
          ];
        case 'tasmota': {
          const device = m.meter.codec.device;
          return readings.map((r) => ({ topic: tasmotaTopic(device), payload: JSON.stringify(tasmotaPayload(m, r)) }));
        }
      }
    },

    encodeMalformed(event) {
      const m = lookup(event.meterId);
      const codec = m.meter.codec;
      const v = event.value;
      const badUnit = UNITS.find((u) => !isUnitAllowed(m.meter.carrier, u)) ?? 'furlong';
      switch (codec.kind) {
        case 'json': {
          const good = jsonItem(m, event);
          const topic = jsonTopic(m.meter.id);
          const bad = (payload: Record<string, unknown>): MqttMessage => ({ topic, payload: JSON.stringify(payload) });
          return byVariant(event.variant, {
            garbage_json: () => ({ topic, payload: JSON.stringify(good).slice(0, -9) }),
            wrong_type: () => bad({ ...good, value: String(v) }),
            missing_value: () => bad({ ts: good.ts, seq: good.seq, unit: good.unit }),
            unknown_meter: () => ({ topic: jsonTopic(`unregistered-${m.meter.id}`), payload: JSON.stringify(good) }),
            negative: () => bad({ ...good, value: -(v + 1) }),
            nan_string: () => bad({ ...good, value: 'NaN' }),
            wrong_unit: () => bad({ ...good, unit: badUnit }),
            bad_timestamp: () => bad({ ...good, ts: Math.floor(event.tsMs / 1000) }),
          });
        }
        case 'senml': {
          const topic = senmlTopic(m.meter.building);
          const pack = (record: { v?: unknown; u?: unknown; name?: string }): MqttMessage => ({
            topic,
            payload: JSON.stringify(senmlPack([{ m, tsMs: event.tsMs, ...record }])),
          });
          return byVariant(event.variant, {
            garbage_json: () => ({
              topic,
              payload: JSON.stringify(senmlPack([{ m, tsMs: event.tsMs, v }])).slice(0, -6),
            }),
            wrong_type: () => pack({ v: String(v) }),
            missing_value: () => pack({}),
            unknown_meter: () => pack({ v, name: 'urn:dev:mac:00000000deadbeef:energy' }),
            negative: () => pack({ v: -(v + 1) }),
            nan_string: () => pack({ v: 'NaN' }),
            wrong_unit: () => pack({ v, u: badUnit }),
            // No bt and a small t: an RFC 8428 relative time, which ingest refuses.
            bad_timestamp: () => ({
              topic,
              payload: JSON.stringify([{ ...splitSenmlName(codec.name), u: m.meter.unit, v, t: -60 }]),
            }),
          });
        }
        case 'tasmota': {
          const topic = tasmotaTopic(codec.device);
          const good = tasmotaPayload(m, {
            kind: 'reading',
            meterId: m.meter.id,
            tsMs: event.tsMs,
            value: v,
            seq: event.seq,
            trueTsMs: event.tsMs,
            faults: [],
          });
          const energy = good.ENERGY as Record<string, unknown>;
          const withTotal = (total: unknown): MqttMessage => ({
            topic,
            payload: JSON.stringify({ ...good, ENERGY: { ...energy, Total: total } }),
          });
          return byVariant(event.variant, {
            garbage_json: () => ({ topic, payload: JSON.stringify(good).slice(0, -12) }),
            wrong_type: () => withTotal(String(v)),
            missing_value: () => {
              const { Total: _total, ...rest } = energy;
              return { topic, payload: JSON.stringify({ ...good, ENERGY: rest }) };
            },
            unknown_meter: () => ({
              topic: tasmotaTopic(`${codec.device}_unregistered`),
              payload: JSON.stringify(good),
            }),
            negative: () => withTotal(-(v + 1)),
            nan_string: () => withTotal('NaN'),
            // Tasmota's payload has no unit: a string register stands in.
            wrong_unit: () => withTotal(`${v} kWh`),
            // A day-first local date ("29/11/2026 17:45:00"), which no ISO reader accepts.
            bad_timestamp: () => {
              const iso = formatLocalIso(Math.floor(event.tsMs / 1000) * 1000, m.timeZone, false);
              return {
                topic,
                payload: JSON.stringify({
                  ...good,
                  Time: `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} ${iso.slice(11)}`,
                }),
              };
            },
          });
        }
      }
    },
  };
}

function byVariant(variant: MalformedVariant, build: Record<MalformedVariant, () => MqttMessage>): MqttMessage {
  return build[variant]();
}

/** Tasmota's TotalStartTime: when the device's energy total was last reset; a fixed, plausible date per device. */
function totalStartTime(m: MeterInfo): string {
  const base = Date.UTC(2022, 0, 1);
  const offsetS = hashString(m.meter.id) % (3 * 365 * 86_400);
  return formatLocalIso(base + offsetS * 1000, m.timeZone, false);
}
