import { join } from 'node:path';
import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createDuckDbReadingStore,
  processMessage,
  type MessageOutcome,
  type ReadingStore,
} from '../../ingest/index.js';
import type { QuarantineRecord, Reading } from '../../src/kernel/index.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { eventually } from '../support/eventually.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';
import { makeTempDir, ProcessStartError, removeTempDir } from '../support/processes.js';
import { createService, type ServiceHandle } from '../support/service.js';
import { describeCase, outcomeProblems } from './support/fuzz-oracle.js';
import {
  FUZZ_METERS,
  FUZZ_TOPICS,
  fuzzCase,
  fuzzDirectory,
  fuzzFleetConfig,
  type FuzzCase,
} from './support/payload-arbitraries.js';

/**
 * Generated payloads (issue 12 §3), valid and invalid mixed, published at QoS 1 to real
 * Mosquitto on the topics the service subscribes to, into the running service on DuckDB.
 * Afterwards every valid item is stored exactly once with its value and every refused one
 * is in quarantine with its reason and raw text; the counters reconcile; the service kept
 * answering throughout, and its resident memory (sampled from /metrics) stayed bounded.
 * FUZZ_MQTT_PAYLOADS sets the count (npm run test:fuzz: 10 000); FUZZ_SEED replays a run.
 */
const PAYLOADS = Number(process.env.FUZZ_MQTT_PAYLOADS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
/** The service's defaults (config/settings-schema.ts), which the generated config leaves as they are. */
const LIMITS = { maxPayloadBytes: 256 * 1024, maxFutureSkewMs: 5 * 60_000 };
/** Far above the ~150 MB the service holds at rest; a leak per payload or an unbounded buffer crosses it. */
const BROKER_MAX_PAYLOAD_BYTES = 1_048_576 - 1024;
const RSS_BOUND_BYTES = 1024 * 1024 * 1024;

let dir: string;
let mosquitto: MosquittoHandle;
let service: ServiceHandle;

beforeAll(async () => {
  dir = await makeTempDir('fuzz');
  mosquitto = await startMosquitto();
  service = await createService({ dir, mqttUrl: mosquitto.url, store: { kind: 'duckdb' }, fleet: fuzzFleetConfig() });
  // On a machine this loaded the first start (tsx compiling every module) can pass the harness's
  // 60 s readiness wait; the next one starts from a warm cache. A start that exits by itself is not retried (the harness SIGKILLs one that is not ready).
  for (let attempt = 1; ; attempt++) {
    try {
      await service.start();
      break;
    } catch (error) {
      if (!(error instanceof ProcessStartError) || error.exit?.signal !== 'SIGKILL' || attempt === 3) throw error;
    }
  }
}, 300_000);

afterAll(async () => {
  await service?.stop().catch(() => undefined);
  await mosquitto?.dispose();
  if (dir && process.env.TANHE_KEEP_TEST_DIRS !== '1') await removeTempDir(dir);
});

interface Planned {
  readonly c: FuzzCase;
  readonly outcome: MessageOutcome;
}

/**
 * The cases, each checked against its oracle by the core first (the service runs the same core,
 * so its outcome is then the expected one), without two accepted readings of one meter and
 * instant: the store would keep one, and the count of duplicates is not what is under test.
 */
function plan(nowMs: number): Planned[] {
  const clock = { nowMs, ...LIMITS };
  const ctx = { directory: fuzzDirectory, topics: FUZZ_TOPICS, limits: LIMITS, nowMs };
  const keys = new Set<string>();
  const planned: Planned[] = [];
  // Generated in chunks: a full run's cases do not all fit in memory twice over.
  for (let chunk = 0; planned.length < PAYLOADS; chunk++) {
    for (const c of fc.sample(fuzzCase(clock), { numRuns: 500, seed: SEED + chunk })) {
      if (planned.length === PAYLOADS) break;
      // The shipped broker (docker/mosquitto.conf max_packet_size 1 MiB) drops a publisher sending more.
      if (c.payload.byteLength > BROKER_MAX_PAYLOAD_BYTES) continue;
      const outcome = processMessage(c.topic, c.payload, ctx);
      const problems = outcomeProblems(c, outcome);
      if (problems.length > 0) throw new Error(`${problems.join('; ')} on ${describeCase(c)}`);
      const ownKeys = outcome.accepted.map((a) => `${a.meterId}|${a.tsMs}`);
      if (new Set(ownKeys).size !== ownKeys.length || ownKeys.some((k) => keys.has(k))) continue;
      ownKeys.forEach((k) => keys.add(k));
      planned.push({ c, outcome });
    }
  }
  return planned;
}

async function publishAll(client: MqttClient, cases: readonly FuzzCase[]): Promise<void> {
  let inFlight = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  for (const c of cases) {
    while (inFlight >= 50) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure;
    inFlight++;
    client.publish(c.topic, Buffer.from(c.payload), { qos: 1 }, (error) => {
      inFlight--;
      if (error) failure = error;
      wake?.();
    });
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  if (failure) throw failure;
}

/** Samples the service's resident memory and checks it answers, until stopped. */
function watchService(): { stop(): Promise<{ peakRssBytes: number; samples: number; failures: number }> } {
  let running = true;
  let peakRssBytes = 0;
  let samples = 0;
  let failures = 0;
  const loop = (async () => {
    while (running) {
      const text = await fetch(`${service.httpUrl}/metrics`).then(
        (r) => (r.ok ? r.text() : undefined),
        () => undefined,
      );
      const rss = text && /^tanhe_process_resident_memory_bytes (\d+)/m.exec(text)?.[1];
      if (rss) {
        samples++;
        peakRssBytes = Math.max(peakRssBytes, Number(rss));
      } else failures++;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { peakRssBytes, samples, failures };
    },
  };
}

async function allQuarantine(store: ReadingStore): Promise<QuarantineRecord[]> {
  const all: QuarantineRecord[] = [];
  let after: { receivedAtMs: number; id: string } | undefined;
  for (;;) {
    const page = await store.quarantine({
      fromMs: 0,
      toMs: Date.now() + 3_600_000,
      limit: 5000,
      ...(after ? { after } : {}),
    });
    all.push(...page);
    const last = page.at(-1);
    if (page.length < 5000 || !last) return all;
    after = { receivedAtMs: last.receivedAtMs, id: last.id };
  }
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function differences(want: Map<string, number>, got: Map<string, number>, limit = 10): string[] {
  const out: string[] = [];
  for (const key of new Set([...want.keys(), ...got.keys()])) {
    if ((want.get(key) ?? 0) !== (got.get(key) ?? 0)) {
      out.push(`${key.slice(0, 300)}: expected ${want.get(key) ?? 0}, got ${got.get(key) ?? 0}`);
    }
    if (out.length >= limit) break;
  }
  return out;
}

it('takes generated payloads over real MQTT: every valid item stored once, every refused one quarantined', async () => {
  const planned = plan(Date.now());
  const accepted = planned.flatMap((p) => p.outcome.accepted);
  const rejected = planned.flatMap((p) => p.outcome.rejected.map((r) => ({ ...r, topic: p.c.topic })));
  const startRss = await service.metrics().then((m) => m.tanhe_process_resident_memory_bytes ?? 0);

  const watch = watchService();
  const client = mqtt.connect(mosquitto.url, { clientId: 'fuzz-publisher', clean: true, protocolVersion: 4 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await publishAll(
    client,
    planned.map((p) => p.c),
  );
  await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));

  // The service took every message (it acknowledges a message only once it is spooled) and drained them all.
  const metrics = await eventually(
    async () => {
      const m = await service.metrics();
      // At least once: a message in flight across a reconnect is delivered again (QoS 1), under load too.
      const drained =
        (m.tanhe_ingest_messages_received_total ?? 0) >= planned.length &&
        (m.tanhe_ingest_readings_stored_total ?? 0) === accepted.length &&
        (m.tanhe_spool_backlog_records ?? 1) === 0 &&
        (m.tanhe_ingest_quarantine_stored_total ?? 0) >= rejected.length;
      if (!drained) throw new Error(`not drained yet: ${JSON.stringify(m)}`);
      return m;
    },
    { timeoutMs: 600_000, intervalMs: 500, message: 'the service took and stored every fuzzed message' },
  );
  const memory = await watch.stop();
  console.error(
    `fuzz over MQTT (seed ${SEED}): ${planned.length} payloads, ${planned.reduce((n, p) => n + p.c.payload.byteLength, 0)} bytes, ` +
      `${accepted.length} valid items, ${rejected.length} quarantined; RSS ${Math.round(startRss / 1e6)} MB at the start, ` +
      `peak ${Math.round(memory.peakRssBytes / 1e6)} MB over ${memory.samples} samples`,
  );

  // Counters reconcile: received = accepted + quarantined; accepted = stored + duplicates (0: no two keys alike).
  // A message delivered again after a reconnect (QoS 1: seen once at load 30-50, 6 of 10 000) adds its items
  // again: they are then duplicates in the store and second quarantine records, never a second stored reading.
  const redelivered = (metrics.tanhe_ingest_messages_received_total ?? 0) - planned.length;
  const exact = redelivered === 0;
  const atLeast = (got: number | undefined, want: number) =>
    exact ? expect(got).toBe(want) : expect(got).toBeGreaterThanOrEqual(want);
  atLeast(metrics.tanhe_ingest_items_received_total, accepted.length + rejected.length);
  atLeast(metrics.tanhe_ingest_items_accepted_total, accepted.length);
  atLeast(metrics.tanhe_ingest_items_quarantined_total, rejected.length);
  expect(metrics.tanhe_ingest_readings_stored_total).toBe(accepted.length);
  expect(metrics.tanhe_ingest_items_accepted_total).toBe(
    accepted.length + (metrics.tanhe_ingest_duplicates_total ?? 0),
  );
  expect(metrics.tanhe_ingest_items_quarantined_total).toBe(metrics.tanhe_ingest_quarantine_stored_total);
  expect(metrics.tanhe_ingest_store_refused_total ?? 0).toBe(0);
  // The service answered throughout, and its memory stayed bounded.
  expect(memory.failures).toBe(0);
  expect(memory.samples).toBeGreaterThan(0);
  expect(memory.peakRssBytes).toBeLessThan(RSS_BOUND_BYTES);

  // The store, read after a graceful stop (DuckDB's file belongs to one process at a time).
  await service.stop();
  const store = createDuckDbReadingStore(createDuckDbClient({ path: join(dir, 'store.duckdb') }));
  try {
    const stored: Reading[] = [];
    for (const meter of FUZZ_METERS) {
      stored.push(
        ...(await store.readings({
          meterId: meter.id,
          fromMs: Date.UTC(-1, 0, 1),
          toMs: Date.now() + 86_400_000,
          limit: 10_000_000,
        })),
      );
    }
    const readingKey = (r: { meterId: string; tsMs: number; value: number; seq: number | null }) =>
      `${r.meterId}|${r.tsMs}|${r.value}|${r.seq ?? ''}`;
    expect(differences(countBy(accepted, readingKey), countBy(stored, readingKey))).toEqual([]);

    const quarantined = await allQuarantine(store);
    const quarantineKey = (q: { topic: string; reason: string; meterId: string | null; payload: string }) =>
      `${q.topic}|${q.reason}|${q.meterId ?? ''}|${q.payload}`;
    const wantQuarantine = countBy(rejected, quarantineKey);
    const gotQuarantine = countBy(quarantined, quarantineKey);
    if (exact) expect(differences(wantQuarantine, gotQuarantine)).toEqual([]);
    else {
      // Every refused item quarantined, each at least once, and nothing else.
      expect([...wantQuarantine].filter(([k, n]) => (gotQuarantine.get(k) ?? 0) < n).map(([k]) => k)).toEqual([]);
      expect([...gotQuarantine.keys()].filter((k) => !wantQuarantine.has(k))).toEqual([]);
    }
  } finally {
    await store.close();
  }
  expect(service.readLog()).not.toMatch(/"level":(50|60)/);
});
