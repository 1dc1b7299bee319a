import { connectAsync, type MqttClient } from 'mqtt';
import type { Fleet } from '../../config/index.js';
import { AppError, MINUTE_MS, type RejectionReason } from '../kernel/index.js';
import {
  createEncoder,
  createSimulation,
  expectedRejection,
  FAULT_KINDS,
  MALFORMED_VARIANTS,
  tickTimes,
  type FaultConfig,
  type FaultKind,
  type JsonTimestampStyle,
  type MalformedVariant,
  type MqttMessage,
  type SimEvent,
  type SimReading,
} from './core/index.js';

/**
 * The simulator's I/O side: publishes the core's readings over real MQTT, QoS 1.
 *
 * 1. Backfill [fromMs, toMs) at intervalMs (15 min): json meters in gateway batches
 *    of up to batchSize readings per meter, SenML as one pack per gateway (building)
 *    of up to batchSize records, Tasmota one message per reading (as the firmware
 *    does). Faults as configured.
 * 2. Live (optional): every liveIntervalMs of wall time, one reading per meter
 *    stamped with the real current time, floored to the live interval (and to whole
 *    seconds); an interval meter reports only at the end of each intervalMs. Live readings are real-time, not compressed time: the registers
 *    continue from the backfill by integrating the load model up to now, so a
 *    backfill ending now and the live stream form one consistent series. Each live
 *    tick's readings go out at once (a single object per json meter).
 *
 * Back-pressure: at most maxInFlight publishes await their PUBACK at any time, and
 * an optional ratePerSecond caps messages per second. Counts are taken when the
 * broker acknowledged a message, so after `finished` they are exact. Late-batch
 * readings still held when the run ends are delivered before it closes.
 */

/** A pino-compatible logger, or anything with the same two methods. */
export interface SimulatorLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Where messages go: a real MQTT client by default; tests and --dry-run pass their own. */
export interface MessageSink {
  /** Resolves when the message is acknowledged (PUBACK for QoS 1). */
  publish(message: MqttMessage): Promise<void>;
  close(): Promise<void>;
}

export interface RunSimulatorOptions {
  readonly mqttUrl: string;
  readonly fleet: Fleet;
  readonly fromMs: number;
  readonly toMs: number;
  readonly live: boolean;
  readonly liveIntervalMs: number;
  /** Readings per json gateway batch and records per SenML pack in the backfill. */
  readonly batchSize: number;
  /** Cap on messages per second (all kinds); none by default. */
  readonly ratePerSecond?: number;
  readonly faults: FaultConfig;
  readonly seed: number;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly log: SimulatorLog;
  /** Backfill reading interval; default 15 min. */
  readonly intervalMs?: number;
  /**
   * Registers count from this fixed instant (SimulationOptions.registerOriginMs), so a
   * restarted run re-publishes the same values; the demo passes DEMO_REGISTER_ORIGIN_MS.
   */
  readonly registerOriginMs?: number;
  /** Publishes awaiting their PUBACK at most; default 64. */
  readonly maxInFlight?: number;
  readonly jsonTimestamps?: JsonTimestampStyle;
  /** The wall clock (live ticks, clock-skew base, rate limit); default Date.now. */
  readonly now?: () => number;
  readonly sink?: MessageSink;
}

export interface SimulatorStats {
  /** MQTT messages acknowledged by the broker. */
  readonly messages: number;
  /** Reading items in acknowledged messages, faulty ones included (a duplicate counts twice). */
  readonly readings: number;
  /** Of which carrying no fault (configured replacement readings included). */
  readonly normalReadings: number;
  /**
   * Reading items per fault that shaped them (an item may count under two kinds).
   * `dropout` and `malformed` stay 0 here: see `dropped` and `malformed`.
   */
  readonly readingsByFault: Readonly<Record<FaultKind, number>>;
  /** Malformed payloads acknowledged, in total and per variant. */
  readonly malformed: number;
  readonly malformedByVariant: Readonly<Record<MalformedVariant, number>>;
  /** Items ingest is expected to quarantine, by reason: malformed variants, and clock-skewed readings (future_timestamp). */
  readonly expectedRejections: Readonly<Partial<Record<RejectionReason, number>>>;
  /** Readings lost to dropouts: never published. */
  readonly dropped: number;
  /** Late-batch readings currently held back by their gateway. */
  readonly held: number;
  /** Publishes that failed (the run stops at the first). */
  readonly failed: number;
  readonly backfillComplete: boolean;
  readonly liveTicks: number;
  /** The last simulated instant (backfill or live tick). */
  readonly lastTickMs: number | null;
}

export interface SimulatorHandle {
  /** Resolves when every backfill message has been acknowledged. */
  readonly backfilled: Promise<SimulatorStats>;
  /** Resolves when the run has ended (after the backfill without live; after stop() with live) and the client closed. */
  readonly finished: Promise<SimulatorStats>;
  /** Ends the live loop (or the backfill), delivers what is buffered and held, closes; resolves like `finished`. */
  stop(): Promise<SimulatorStats>;
  stats(): SimulatorStats;
}

/** Counts a message contributes once acknowledged. */
interface Tally {
  readonly readings: readonly SimReading[];
  readonly malformed?: { readonly variant: MalformedVariant; readonly reason: RejectionReason };
}

export async function runSimulator(options: RunSimulatorOptions): Promise<SimulatorHandle> {
  const { fleet, fromMs, toMs, log } = options;
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 15 * MINUTE_MS;
  const maxInFlight = options.maxInFlight ?? 64;
  if (!(options.batchSize >= 1))
    throw new AppError('CONFIG_INVALID', `batchSize must be at least 1, got ${options.batchSize}`);
  if (!(options.liveIntervalMs >= 1000))
    throw new AppError('CONFIG_INVALID', `liveIntervalMs must be at least 1000, got ${options.liveIntervalMs}`);
  if (!(toMs > fromMs) && !options.live)
    throw new AppError('CONFIG_INVALID', 'the backfill range is empty and live is off: nothing to publish');

  const sink =
    options.sink ??
    (await connectMqttSink({
      url: options.mqttUrl,
      clientId: options.clientId,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      log,
    }));
  const encoder = createEncoder(fleet, options.jsonTimestamps ? { jsonTimestamps: options.jsonTimestamps } : {});
  const sim = createSimulation({
    fleet,
    seed: options.seed,
    fromMs,
    toMs,
    intervalMs,
    faults: options.faults,
    skewBaseMs: now(),
    ...(options.registerOriginMs !== undefined ? { registerOriginMs: options.registerOriginMs } : {}),
  });

  const counters = {
    messages: 0,
    readings: 0,
    normalReadings: 0,
    readingsByFault: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    malformed: 0,
    malformedByVariant: Object.fromEntries(MALFORMED_VARIANTS.map((v) => [v, 0])) as Record<MalformedVariant, number>,
    expectedRejections: {} as Partial<Record<RejectionReason, number>>,
    dropped: 0,
    failed: 0,
    backfillComplete: false,
    liveTicks: 0,
    lastTickMs: null as number | null,
  };
  const snapshot = (): SimulatorStats => ({
    ...counters,
    readingsByFault: { ...counters.readingsByFault },
    malformedByVariant: { ...counters.malformedByVariant },
    expectedRejections: { ...counters.expectedRejections },
    held: sim.heldCount(),
  });
  const reject = (reason: RejectionReason) =>
    (counters.expectedRejections[reason] = (counters.expectedRejections[reason] ?? 0) + 1);
  const acknowledged = (tally: Tally) => {
    counters.messages++;
    for (const r of tally.readings) {
      counters.readings++;
      if (r.faults.length === 0) counters.normalReadings++;
      for (const f of r.faults) counters.readingsByFault[f]++;
      if (r.faults.includes('clock_skew')) reject('future_timestamp');
    }
    if (tally.malformed) {
      counters.malformed++;
      counters.malformedByVariant[tally.malformed.variant]++;
      reject(tally.malformed.reason);
    }
  };

  let stopping = false;
  let failure: unknown;
  const inflight = new Set<Promise<void>>();
  const rateStartMs = now();
  let rateCount = 0;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, Math.max(0, ms));
    });

  async function send(message: MqttMessage, tally: Tally) {
    while (inflight.size >= maxInFlight) await Promise.race(inflight);
    if (options.ratePerSecond) {
      rateCount++;
      const dueMs = rateStartMs + (rateCount / options.ratePerSecond) * 1000;
      if (dueMs > now()) await sleep(dueMs - now());
    }
    const done: Promise<void> = sink
      .publish(message)
      .then(
        () => acknowledged(tally),
        (error: unknown) => {
          counters.failed++;
          if (failure === undefined) {
            failure = error;
            log.warn({ err: error, topic: message.topic }, 'simulator: publish failed; stopping');
          }
          stopping = true;
        },
      )
      .finally(() => inflight.delete(done));
    inflight.add(done);
  }

  const buffers = new Map<string, SimReading[]>();
  async function flushGroup(group: string) {
    const readings = buffers.get(group);
    buffers.delete(group);
    if (!readings || readings.length === 0) return;
    const messages = encoder.encode(readings);
    // Tasmota: one message per reading; json and SenML: one message for all.
    if (messages.length === readings.length && messages.length > 1) {
      for (const [k, m] of messages.entries()) await send(m, { readings: readings.slice(k, k + 1) });
    } else for (const m of messages) await send(m, { readings });
  }
  async function flushAll() {
    for (const group of [...buffers.keys()]) await flushGroup(group);
  }
  /** Batching: in the backfill, buffer up to batchSize per group; live, everything of a tick goes out at its end. */
  async function deliver(events: readonly SimEvent[], batch: boolean) {
    for (const e of events) {
      if (e.kind === 'dropped') {
        counters.dropped++;
        continue;
      }
      if (e.kind === 'malformed') {
        const codec = encoder.route(e.meterId).codec;
        await send(encoder.encodeMalformed(e), {
          readings: [],
          malformed: { variant: e.variant, reason: expectedRejection(e.variant, codec) },
        });
        continue;
      }
      const route = encoder.route(e.meterId);
      const list = buffers.get(route.group) ?? [];
      list.push(e);
      buffers.set(route.group, list);
      if (batch && (list.length >= options.batchSize || route.codec === 'tasmota')) await flushGroup(route.group);
    }
    if (!batch) await flushAll();
  }
  const drain = async () => {
    while (inflight.size > 0) await Promise.race(inflight);
  };

  const backfilled = (async () => {
    const startedMs = now();
    log.info(
      { fromMs, toMs, meters: fleet.meters.length, intervalMs, batchSize: options.batchSize },
      'simulator: backfill started',
    );
    let complete = true;
    for (const ts of tickTimes(fromMs, toMs, intervalMs)) {
      if (stopping) {
        complete = false;
        break;
      }
      await deliver(sim.tick(ts), true);
      counters.lastTickMs = ts;
    }
    if (!options.live) await deliver(sim.flush(), true);
    await flushAll();
    await drain();
    counters.backfillComplete = complete && failure === undefined;
    const s = snapshot();
    log.info({ ...s, seconds: (now() - startedMs) / 1000 }, 'simulator: backfill published');
    return s;
  })();

  async function liveLoop() {
    log.info({ liveIntervalMs: options.liveIntervalMs }, 'simulator: live readings started');
    while (!stopping) {
      const t = now();
      await sleep((Math.floor(t / options.liveIntervalMs) + 1) * options.liveIntervalMs - t);
      if (stopping) break;
      const tick = Math.floor((Math.floor(now() / options.liveIntervalMs) * options.liveIntervalMs) / 1000) * 1000;
      if (counters.lastTickMs !== null && tick <= counters.lastTickMs) continue;
      await deliver(sim.tick(tick), false);
      counters.lastTickMs = tick;
      counters.liveTicks++;
    }
  }

  const finished = backfilled.then(async () => {
    try {
      if (options.live && !stopping) await liveLoop();
      // Late-batch readings still held: their gateways deliver them before the run ends.
      if (failure === undefined) await deliver(sim.flush(), false);
      await flushAll();
      await drain();
    } finally {
      await sink
        .close()
        .catch((error: unknown) => log.warn({ err: error }, 'simulator: closing the MQTT client failed'));
    }
    if (failure !== undefined) {
      throw new AppError('BROKER_UNAVAILABLE', `simulator: publishing to ${options.mqttUrl} failed`, {
        retryable: true,
        cause: failure,
      });
    }
    const s = snapshot();
    log.info(s, 'simulator: finished');
    return s;
  });
  // Callers observe `finished` through stop() or directly; this keeps an unobserved failure from crashing the process.
  finished.catch(() => undefined);

  return {
    backfilled,
    finished,
    stats: snapshot,
    stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      wake?.();
      return finished;
    },
  };
}

/** Connects an mqtt.js client (MQTT 3.1.1, clean session: the simulator only publishes). */
export async function connectMqttSink(options: {
  readonly url: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly log: SimulatorLog;
}): Promise<MessageSink> {
  let client: MqttClient;
  try {
    client = await connectAsync(
      options.url,
      {
        clientId: options.clientId,
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        ...(options.username !== undefined ? { username: options.username } : {}),
        ...(options.password !== undefined ? { password: options.password } : {}),
      },
      false,
    );
  } catch (cause) {
    throw new AppError('BROKER_UNAVAILABLE', `simulator: cannot connect to the MQTT broker at ${options.url}`, {
      retryable: true,
      cause,
    });
  }
  client.on('error', (error) => options.log.warn({ err: error }, 'simulator: MQTT client error'));
  client.on('offline', () =>
    options.log.warn(
      { url: options.url },
      'simulator: MQTT connection lost; mqtt.js reconnects and resends unacknowledged messages',
    ),
  );
  return {
    publish: (m) => client.publishAsync(m.topic, m.payload, { qos: 1 }).then(() => undefined),
    close: () => client.endAsync(),
  };
}
