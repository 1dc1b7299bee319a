import type { MqttClient } from 'mqtt';
import { bucketLabel, bucketStart, nextBucketStart } from '../../../src/kernel/index.js';

/**
 * The publisher oracle's plan: `meters` electricity meters, each sending `perMeter`
 * cumulative readings 15 minutes apart from 2025-01-01T00:00 Shanghai time. Every
 * register is a pure function of (meter, seq), so what the store must hold and
 * what a month's report must say are computable without reading the store.
 *
 * Increments are multiples of 0.25 kWh (exact in binary floating point), so sums of
 * registers are exact and the consumption of a month is a difference of two registers.
 */
export interface OraclePlan {
  readonly meters: number;
  readonly perMeter: number;
}

export const ORACLE_TZ = 'Asia/Shanghai';
export const STEP_MS = 15 * 60_000;
/** 2025-01-01T00:00+08:00: a local month boundary, so 15-minute readings fall on every local day and month edge. */
export const ORACLE_START_MS = Date.UTC(2024, 11, 31, 16, 0, 0);
/** Increments repeat every 8 readings; their sum over one cycle, in kWh. */
const CYCLE = 8;
const CYCLE_SUM_KWH = 0.25 * (CYCLE + (CYCLE * (CYCLE - 1)) / 2);

export function oracleMeterId(meter: number): string {
  return `c${String(meter).padStart(3, '0')}`;
}

export function oracleTsMs(seq: number): number {
  return ORACLE_START_MS + seq * STEP_MS;
}

/** Energy between reading `seq` and `seq + 1` of a meter: 0.25 to 2 kWh, varying with meter and seq. */
export function incrementKwh(meter: number, seq: number): number {
  return 0.25 * (1 + ((seq + meter) % CYCLE));
}

/** The register of reading `seq` of a meter: its start value plus every increment before it (closed form). */
export function registerKwh(meter: number, seq: number): number {
  const cycles = Math.floor(seq / CYCLE);
  let value = meter * 10_000_000 + cycles * CYCLE_SUM_KWH;
  for (let s = cycles * CYCLE; s < seq; s++) value += incrementKwh(meter, s);
  return value;
}

/** Message i of the plan, interleaved the way a fleet reports: by time, then meter. */
export function oracleMessage(plan: OraclePlan, i: number): { topic: string; payload: string } {
  const seq = Math.floor(i / plan.meters);
  const meter = i % plan.meters;
  return {
    topic: `meters/${oracleMeterId(meter)}/readings`,
    payload: JSON.stringify({
      ts: new Date(oracleTsMs(seq)).toISOString(),
      value: registerKwh(meter, seq),
      seq,
      unit: 'kWh',
    }),
  };
}

export function totalMessages(plan: OraclePlan): number {
  return plan.meters * plan.perMeter;
}

/** The fleet the service is configured with: one institution with a grid region (for its CO2 factor). */
export function oracleFleet(plan: OraclePlan) {
  return {
    orgs: [{ id: 'nx', name: '宁夏回族自治区', level: 'region' }],
    institutions: [
      {
        id: 'inst1',
        name: '混沌测试中心',
        org: 'nx',
        type: 'government_office',
        gridRegion: 'northwest',
        floorAreaM2: [{ from: '2020-01-01', value: 10000 }],
        occupants: [{ from: '2020-01-01', value: 500 }],
      },
    ],
    buildings: [{ id: 'b1', institution: 'inst1', name: '主楼' }],
    meters: Array.from({ length: plan.meters }, (_, m) => ({
      id: oracleMeterId(m),
      building: 'b1',
      carrier: 'electricity',
      unit: 'kWh',
    })),
  };
}

/** A local month the plan covers, as the report's period label (YYYY-MM) and its UTC bounds. */
export interface OracleMonth {
  readonly period: string;
  readonly fromMs: number;
  readonly toMs: number;
}

/** The local months the plan's readings touch, first to last. */
export function oracleMonths(plan: OraclePlan): OracleMonth[] {
  const months: OracleMonth[] = [];
  const lastMs = oracleTsMs(plan.perMeter - 1);
  for (let from = bucketStart(ORACLE_START_MS, 'month', ORACLE_TZ); from < lastMs;) {
    const to = nextBucketStart(from, 'month', ORACLE_TZ);
    months.push({ period: bucketLabel(from, 'month', ORACLE_TZ), fromMs: from, toMs: to });
    from = to;
  }
  return months;
}

/**
 * The first and last reading (seq) that bound the month's intervals. Only these decide
 * its total: a reading lost inside the month merges two intervals and loses no energy
 * (docs/methodology.md), so a month is comparable with the oracle unless one of them is lost.
 */
export function monthEdgeSeqs(plan: OraclePlan, month: OracleMonth): [number, number] {
  return [
    Math.max(0, Math.ceil((month.fromMs - ORACLE_START_MS) / STEP_MS)),
    Math.min(plan.perMeter - 1, Math.floor((month.toMs - ORACLE_START_MS) / STEP_MS)),
  ];
}

/**
 * The month's electricity consumption in kWh over the fleet, from the oracle alone.
 * Buckets are (from, to] (docs/methodology.md §8): the interval ending at reading
 * `seq` belongs to the month holding that reading's time; readings fall on month
 * edges, so no interval straddles one.
 */
export function expectedMonthKwh(plan: OraclePlan, month: OracleMonth): number {
  const [lo, hi] = monthEdgeSeqs(plan, month);
  if (hi <= lo) return 0;
  let total = 0;
  for (let m = 0; m < plan.meters; m++) total += registerKwh(m, hi) - registerKwh(m, lo);
  return total;
}

export interface PublishProgress {
  /** Messages whose PUBACK the broker sent. */
  readonly acked: number;
  /** Publishes retried after an error from the client (a closed connection). */
  readonly retried: number;
}

/**
 * Publishes every message of the plan at QoS 1 and retries each until the broker
 * acknowledged it; `ackedAt[i]` is 1 once message i was acknowledged (`ackedAtMs[i]` when). mqtt.js keeps
 * unacknowledged messages of a persistent session and resends them on reconnect; a
 * publish that fails outright (the client gave up on it) is published again.
 *
 * `allowance()` caps how far publishing may run ahead (the fault plan's progress),
 * and `ratePerSecond` caps its speed, so faults land while messages are in flight.
 */
export async function publishPlan(
  client: MqttClient,
  plan: OraclePlan,
  options: {
    readonly ratePerSecond: number;
    readonly allowance: () => number;
    readonly maxInFlight?: number;
    readonly onProgress?: (progress: PublishProgress) => void;
  },
): Promise<{ ackedAt: Uint8Array; ackedAtMs: Float64Array; retried: number }> {
  const total = totalMessages(plan);
  const ackedAt = new Uint8Array(total);
  const ackedAtMs = new Float64Array(total);
  const maxInFlight = options.maxInFlight ?? 50;
  let acked = 0;
  let retried = 0;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const retryQueue: number[] = [];
  const waitForChange = (timeoutMs: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  const send = (i: number): void => {
    const message = oracleMessage(plan, i);
    inFlight++;
    client.publish(message.topic, message.payload, { qos: 1 }, (error) => {
      inFlight--;
      if (error) {
        retried++;
        retryQueue.push(i);
      } else if (ackedAt[i] === 0) {
        ackedAt[i] = 1;
        ackedAtMs[i] = Date.now();
        acked++;
        options.onProgress?.({ acked, retried });
      }
      wake?.();
    });
  };
  let sentMs = Date.now();
  let credit = 0;
  for (let next = 0; next < total || retryQueue.length > 0 || inFlight > 0;) {
    if (inFlight >= maxInFlight || (next >= total && retryQueue.length === 0)) {
      await waitForChange(250);
      continue;
    }
    const retry = retryQueue.shift();
    if (retry !== undefined) {
      send(retry);
      continue;
    }
    if (next >= options.allowance()) {
      await waitForChange(100);
      continue;
    }
    // Token bucket: at most ratePerSecond, in bursts of at most 1/10 s.
    const now = Date.now();
    credit = Math.min(credit + ((now - sentMs) / 1000) * options.ratePerSecond, options.ratePerSecond / 10);
    sentMs = now;
    if (credit < 1) {
      await waitForChange(Math.ceil(((1 - credit) / options.ratePerSecond) * 1000));
      continue;
    }
    credit -= 1;
    send(next++);
  }
  return { ackedAt, ackedAtMs, retried };
}
