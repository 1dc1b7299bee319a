/**
 * Ingest benchmark (issue 2, item 10): the bare Mosquitto QoS 1 relay ceiling and
 * the full pipeline (Mosquitto → service → spool → QuestDB) under one generator,
 * in one run. Reports; never asserts. See bench/README.md for every figure.
 *
 *   npm run bench:ingest -- [--messages 200000] [--meters 1000] [--profile] …
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findMosquittoBinary, startMosquitto } from '../../tests/support/mosquitto.js';
import { readingMessages, startStack, type Stack } from '../../tests/support/stack.js';
import { meterId, readingTsMs, readingValue } from '../../tests/support/test-fleet.js';
import type { OutgoingMessage } from '../../tests/support/publisher.js';
import { FleetPublisher, nowMs, type PublishStats } from './fleet-publisher.js';
import { cpuDelta, cpuSnapshot, findPid, memoryBytes } from './proc-stats.js';
import { formatProfile, summariseProfile, type ProfileSummary } from './profile-summary.js';
import type { FromSubscriber, RelaySubscriberConfig, ToSubscriber } from './relay-subscriber.js';
import { questDbExec, StoreSampler, storedLatencies, type StoreSample } from './store-sampler.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');

const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    meters: { type: 'string', default: '1000' },
    publishers: { type: 'string', default: '2' },
    'in-flight': { type: 'string', default: '100' },
    'warmup-per-meter': { type: 'string', default: '10' },
    'paced-rate': { type: 'string', default: '2000' },
    'paced-seconds': { type: 'string', default: '10' },
    probes: { type: 'string', default: '20' },
    'sample-ms': { type: 'string', default: '50' },
    'batch-size': { type: 'string' },
    'timeout-s': { type: 'string', default: '240' },
    'skip-relay': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'trace-io': { type: 'boolean', default: false },
    out: { type: 'string', default: join(REPO_ROOT, 'bench', 'results', 'ingest.json') },
  },
});

const meters = Number(flags.meters);
const perMeter = Math.ceil(Number(flags.messages) / meters);
const N = perMeter * meters;
const warmPerMeter = Number(flags['warmup-per-meter']);
const pacedRate = Number(flags['paced-rate']);
const pacedPerMeter = Math.max(1, Math.round((pacedRate * Number(flags['paced-seconds'])) / meters));
const totalSeqs = warmPerMeter + perMeter + pacedPerMeter;
const publishers = Number(flags.publishers);
const maxInFlight = Number(flags['in-flight']);
const probeCount = Math.min(Number(flags.probes), meters);
const probeMeters = Array.from({ length: probeCount }, (_, i) => Math.floor((i * meters) / probeCount));
const sampleMs = Number(flags['sample-ms']);
const timeoutMs = Number(flags['timeout-s']) * 1000;
const batchSize = flags['batch-size'] === undefined ? undefined : Number(flags['batch-size']);

/** The three phases, as per-meter seq ranges: JIT/connection warm-up, the saturation run, a paced run for latency. */
const PHASES = {
  warmup: { fromSeq: 0, toSeq: warmPerMeter },
  saturation: { fromSeq: warmPerMeter, toSeq: warmPerMeter + perMeter },
  paced: { fromSeq: warmPerMeter + perMeter, toSeq: totalSeqs },
} as const;
type Phase = (typeof PHASES)[keyof typeof PHASES];

// The tests' own generator: message i is seq floor(i / meters) of meter i % meters.
const allMessages: OutgoingMessage[] = readingMessages(meters, totalSeqs);
const phaseMessages = (p: Phase) => allMessages.slice(p.fromSeq * meters, p.toSeq * meters);

interface Percentiles {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

function percentiles(values: number[]): Percentiles {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(sorted.length, 1);
  return {
    samples: sorted.length,
    p50Ms: round(at(0.5)),
    p99Ms: round(at(0.99)),
    maxMs: round(at(1)),
    meanMs: round(mean),
  };
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function per10k(cpu: Record<string, number>, readings: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(cpu)
      .filter(([k]) => k !== 'machine')
      .map(([k, v]) => [k, round((v / readings) * 10_000, 3)]),
  );
}

/**
 * CPU cores used, on average over the window, by processes that are not part of
 * the benchmark (other work on the machine): machine busy time minus ours. Anything
 * well above 0 means the figures of that step were measured on a busy machine.
 */
function foreignCores(cpu: Record<string, number>, elapsedMs: number): number {
  const ours = Object.entries(cpu)
    .filter(([k]) => k !== 'machine')
    .reduce((sum, [, v]) => sum + v, 0);
  return round(Math.max(0, (cpu.machine ?? Number.NaN) - ours) / (elapsedMs / 1000), 2);
}

function log(message: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

// ---------------------------------------------------------------------------
// Step 1: bare relay
// ---------------------------------------------------------------------------

interface PhaseResult {
  readonly messages: number;
  readonly publish: PublishStats;
  /** First publish → last message received (relay) or visible in the store (pipeline). */
  readonly elapsedMs: number;
  readonly perSecond: number;
  /** Rate between 10 % and 90 % of the phase's messages done: excludes ramp-up and tail. */
  readonly steadyPerSecond: number;
  /** Publish rate as acknowledged by the broker (publisher side only). */
  readonly publisherAckedPerSecond: number;
  readonly latency: Percentiles;
  readonly complete: boolean;
}

interface RelayPhaseResult extends PhaseResult {
  /** (meter, seq) of the phase never received by the subscriber. */
  readonly lost: number;
  /** Receipts beyond the first (redeliveries). */
  readonly duplicates: number;
  readonly unexpected: number;
}

function publishRate(stats: PublishStats): number {
  return round(stats.messages / ((stats.lastAckMs - stats.firstPublishMs) / 1000), 0);
}

async function runRelay() {
  log('relay: starting Mosquitto (shipped conf) and the plain subscriber');
  const mosquitto = await startMosquitto();
  const mosquittoPid = findPid(mosquitto.confFile);
  const config: RelaySubscriberConfig = {
    url: mosquitto.url,
    clientId: 'bench-relay-subscriber',
    meters,
    totalSeqs,
    probeMeters,
  };
  const child: ChildProcess = fork(join(HERE, 'relay-subscriber.ts'), [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: FromSubscriber[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (m: FromSubscriber) => {
    inbox.push(m);
    wake?.();
  });
  const next = async <T extends FromSubscriber['type']>(
    type: T,
    waitMs: number,
  ): Promise<Extract<FromSubscriber, { type: T }>> => {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return inbox.splice(i, 1)[0] as Extract<FromSubscriber, { type: T }>;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`relay subscriber: no '${type}' within ${waitMs} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  };
  const tell = (m: ToSubscriber) => child.send(m);
  await next('ready', 30_000);
  const publisher = await FleetPublisher.connect(mosquitto.url, publishers, meters, 'bench-relay-pub');
  const publishedAtMs = new Float64Array(allMessages.length).fill(Number.NaN);
  const pids = { subscriber: child.pid ?? -1, mosquitto: mosquittoPid, bench: process.pid };

  const runPhase = async (
    name: string,
    phase: Phase,
    ratePerSecond?: number,
  ): Promise<{ result: RelayPhaseResult; cpu: Record<string, number> }> => {
    log(
      `relay: ${name} phase, ${(phase.toSeq - phase.fromSeq) * meters} messages${ratePerSecond ? ` at ${ratePerSecond}/s` : ''}`,
    );
    tell({ type: 'watch', ...phase });
    const before = cpuSnapshot(pids);
    const messages = phaseMessages(phase);
    const publish = await publisher.publish(messages, phase.fromSeq * meters, publishedAtMs, {
      maxInFlight,
      ...(ratePerSecond ? { ratePerSecond } : {}),
    });
    let done: Extract<FromSubscriber, { type: 'complete' }> | undefined;
    try {
      done = await next('complete', timeoutMs);
    } catch (error) {
      log(String(error));
    }
    const cpu = cpuDelta(before, cpuSnapshot(pids));
    const endMs = done?.atMs ?? nowMs();
    tell({ type: 'report', ...phase });
    const report = await next('report', 30_000);
    const latencies: number[] = [];
    probeMeters.forEach((m, p) => {
      for (let seq = phase.fromSeq; seq < phase.toSeq; seq++) {
        latencies.push(
          (report.probeReceivedAtMs[p * totalSeqs + seq] ?? Number.NaN) -
            (publishedAtMs[seq * meters + m] ?? Number.NaN),
        );
      }
    });
    const result: PhaseResult = {
      messages: messages.length,
      publish,
      elapsedMs: round(endMs - publish.firstPublishMs, 0),
      perSecond: round(messages.length / ((endMs - publish.firstPublishMs) / 1000), 0),
      steadyPerSecond: done ? round((0.8 * messages.length) / ((done.t90Ms - done.t10Ms) / 1000), 0) : Number.NaN,
      publisherAckedPerSecond: publishRate(publish),
      latency: percentiles(latencies),
      complete: done !== undefined,
    };
    return {
      result: { ...result, lost: report.lost, duplicates: report.duplicates, unexpected: report.unexpected },
      cpu,
    };
  };

  await runPhase('warm-up', PHASES.warmup);
  const saturation = await runPhase('saturation', PHASES.saturation);
  const paced = await runPhase('paced', PHASES.paced, pacedRate);
  const brokerDrops = await mosquitto.sysDropped();
  const memory = { subscriber: memoryBytes(pids.subscriber), mosquitto: memoryBytes(mosquittoPid) };
  tell({ type: 'exit' });
  await publisher.close();
  await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
  await mosquitto.dispose();
  return {
    saturation: saturation.result,
    paced: paced.result,
    cpuSecondsPer10k: per10k(saturation.cpu, N),
    cpuSecondsSaturation: Object.fromEntries(Object.entries(saturation.cpu).map(([k, v]) => [k, round(v, 2)])),
    foreignCoresDuringSaturation: foreignCores(saturation.cpu, saturation.result.elapsedMs),
    loadAverageAfter: loadavg().map((v) => round(v, 2)),
    peakRssBytes: { subscriber: memory.subscriber.peakRss, mosquitto: memory.mosquitto.peakRss },
    brokerDrops,
  };
}

// ---------------------------------------------------------------------------
// Step 2: full pipeline
// ---------------------------------------------------------------------------

/** Service counters of interest, sampled from /metrics. */
interface MetricsSample {
  atMs: number;
  received: number;
  stored: number;
  backlogRecords: number;
  flushCount: number;
  flushSeconds: number;
  /** prom-client's event-loop delay since the previous scrape (its histogram resets at each scrape). */
  loopLagMaxMs: number;
  loopLagMeanMs: number;
  /** Where the service's memory is (prom-client's default metrics), MiB: V8 heap used and total, external, RSS. */
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  rssMiB: number;
}

async function sampleMetrics(stack: Stack): Promise<MetricsSample> {
  const m = await stack.service.metrics();
  return {
    atMs: nowMs(),
    received: m.tanhe_ingest_messages_received_total ?? 0,
    stored: m.tanhe_ingest_readings_stored_total ?? 0,
    backlogRecords: m.tanhe_spool_backlog_records ?? 0,
    flushCount: m.tanhe_store_flush_seconds_count ?? 0,
    flushSeconds: m.tanhe_store_flush_seconds_sum ?? 0,
    loopLagMaxMs: (m.tanhe_nodejs_eventloop_lag_max_seconds ?? Number.NaN) * 1000,
    loopLagMeanMs: (m.tanhe_nodejs_eventloop_lag_mean_seconds ?? Number.NaN) * 1000,
    heapUsedMiB: round((m.tanhe_nodejs_heap_size_used_bytes ?? Number.NaN) / 2 ** 20),
    heapTotalMiB: round((m.tanhe_nodejs_heap_size_total_bytes ?? Number.NaN) / 2 ** 20),
    externalMiB: round((m.tanhe_nodejs_external_memory_bytes ?? Number.NaN) / 2 ** 20),
    rssMiB: round((m.tanhe_process_resident_memory_bytes ?? Number.NaN) / 2 ** 20),
  };
}

/** First time (interpolated between samples) a running count reached `target`. */
function timeToReach<T extends { atMs: number }>(
  samples: readonly T[],
  value: (s: T) => number,
  target: number,
): number {
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as T;
    if (value(s) >= target) {
      const prev = samples[i - 1];
      if (!prev) return s.atMs;
      const v0 = value(prev);
      const v1 = value(s);
      return prev.atMs + ((target - v0) / Math.max(v1 - v0, 1)) * (s.atMs - prev.atMs);
    }
  }
  return Number.NaN;
}

interface Verification {
  rows: number;
  expected: number;
  lost: number;
  duplicates: number;
  unexpectedRows: number;
  wrongValueMeters: number;
  wrongTsRows: number;
  quarantined: number;
}

/**
 * Exactly-once check in three SQL statements instead of one query per meter:
 * per meter, rows vs distinct seqs (duplicates), distinct seqs vs expected
 * (lost), seq range, and the exact sum of values (every value is a multiple of
 * 0.25 far below 2^51, so the double sum is exact in any order).
 */
async function verifyStore(url: string): Promise<Verification> {
  const rows = await questDbExec(
    url,
    'SELECT meter_id, count(), count_distinct(seq), min(seq), max(seq), sum(value) FROM readings',
  );
  const expectedSeqs = totalSeqs;
  let total = 0;
  let lost = meters * expectedSeqs;
  let duplicates = 0;
  let unexpectedRows = 0;
  let wrongValueMeters = 0;
  const known = new Map(Array.from({ length: meters }, (_, m) => [meterId(m), m]));
  for (const row of rows) {
    const n = Number(row[1]);
    const distinct = Number(row[2]);
    total += n;
    const m = known.get(String(row[0]));
    if (m === undefined || Number(row[3]) < 0 || Number(row[4]) >= expectedSeqs) {
      unexpectedRows += n;
      if (m === undefined) continue;
    }
    lost -= distinct;
    duplicates += n - distinct;
    let expectedSum = 0;
    for (let seq = 0; seq < expectedSeqs; seq++) expectedSum += readingValue(m, seq);
    if (n === expectedSeqs && distinct === expectedSeqs && Number(row[5]) !== expectedSum) wrongValueMeters++;
  }
  const baseMicros = BigInt(readingTsMs(0)) * 1000n;
  const wrongTs = await questDbExec(
    url,
    `SELECT count() FROM readings WHERE cast(ts AS long) != ${baseMicros} + seq * 900000000`,
  );
  const quarantined = await questDbExec(url, 'SELECT count() FROM quarantine');
  return {
    rows: total,
    expected: meters * expectedSeqs,
    lost,
    duplicates,
    unexpectedRows,
    wrongValueMeters,
    wrongTsRows: Number(wrongTs[0]?.[0] ?? 0),
    quarantined: Number(quarantined[0]?.[0] ?? 0),
  };
}

interface TraceRecord {
  kind: 'http' | 'fs';
  path?: string;
  startMs?: number;
  waitMs?: number;
  name?: string;
  atMs?: number;
  calls?: number;
  totalMs?: number;
  maxMs?: number;
}

/**
 * Per phase window: how long the service waited for each ILP/HTTP answer (as its
 * event loop saw it) and how much main-thread time went into synchronous fs calls.
 */
function summariseIoTrace(file: string, windows: Record<string, { fromMs: number; toMs: number }>) {
  const records = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TraceRecord);
  const summary: Record<string, unknown> = { file };
  for (const [phase, w] of Object.entries(windows)) {
    const seconds = (w.toMs - w.fromMs) / 1000;
    const writes = records.filter(
      (r) =>
        r.kind === 'http' && r.path?.startsWith('/write') && (r.startMs ?? 0) >= w.fromMs && (r.startMs ?? 0) <= w.toMs,
    );
    // fs records are per-second buckets stamped at their end.
    const fsRecords = records.filter(
      (r) => r.kind === 'fs' && (r.atMs ?? 0) > w.fromMs && (r.atMs ?? 0) <= w.toMs + 1000,
    );
    const fsByCall: Record<string, { callsPerSecond: number; blockedMsPerSecond: number; maxMs: number }> = {};
    for (const r of fsRecords) {
      const e = (fsByCall[r.name ?? '?'] ??= { callsPerSecond: 0, blockedMsPerSecond: 0, maxMs: 0 });
      e.callsPerSecond += (r.calls ?? 0) / seconds;
      e.blockedMsPerSecond += (r.totalMs ?? 0) / seconds;
      e.maxMs = Math.max(e.maxMs, r.maxMs ?? 0);
    }
    for (const e of Object.values(fsByCall)) {
      e.callsPerSecond = round(e.callsPerSecond, 0);
      e.blockedMsPerSecond = round(e.blockedMsPerSecond, 1);
      e.maxMs = round(e.maxMs, 1);
    }
    summary[phase] = {
      ilpRequests: writes.length,
      ilpAnswerWait: percentiles(writes.map((r) => r.waitMs ?? Number.NaN)),
      fs: fsByCall,
    };
  }
  return summary;
}

async function runPipeline(profileDir: string | undefined, traceFile: string | undefined) {
  log(
    `pipeline: starting Mosquitto, QuestDB and the service${profileDir ? ' (CPU-profiled)' : ''}${traceFile ? ' (I/O traced)' : ''}`,
  );
  // createService passes this process's environment to the service, so these preloads reach it
  // only (they are removed again right after). Node refuses --cpu-prof in NODE_OPTIONS, hence
  // a preloaded module that runs the V8 profiler through node:inspector.
  const savedEnv = { NODE_OPTIONS: process.env.NODE_OPTIONS };
  const imports: string[] = [];
  if (profileDir) {
    imports.push(join(HERE, 'cpu-profiler.mjs'));
    process.env.TANHE_BENCH_PROFILE_DIR = profileDir;
  }
  if (traceFile) {
    imports.push(join(HERE, 'io-trace.mjs'));
    process.env.TANHE_BENCH_TRACE_FILE = traceFile;
  }
  if (imports.length > 0)
    process.env.NODE_OPTIONS = [savedEnv.NODE_OPTIONS ?? '', ...imports.map((i) => `--import ${i}`)].join(' ').trim();
  const stack = await startStack({ meters, ...(batchSize !== undefined ? { spool: { batchSize } } : {}) });
  if (savedEnv.NODE_OPTIONS === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = savedEnv.NODE_OPTIONS;
  delete process.env.TANHE_BENCH_PROFILE_DIR;
  delete process.env.TANHE_BENCH_TRACE_FILE;
  try {
    const pids = {
      service: findPid(stack.service.configFile),
      mosquitto: findPid(stack.mosquitto.confFile),
      questdb: findPid(stack.questdb.dataDir),
      bench: process.pid,
    };
    const build = String((await questDbExec(stack.questdb.url, 'SELECT build()'))[0]?.[0] ?? '');
    const questdbVersion = /QuestDB (\d+\.\d+\.\d+)/.exec(build)?.[1] ?? (build || 'unknown');
    const publisher = await FleetPublisher.connect(stack.mosquitto.url, publishers, meters, 'bench-pipeline-pub');
    const publishedAtMs = new Float64Array(allMessages.length).fill(Number.NaN);
    const sampler = new StoreSampler(stack.questdb.url, probeMeters.map(meterId), sampleMs);
    sampler.start();
    const metricsSamples: MetricsSample[] = [];
    let metricsRunning = true;
    const metricsLoop = (async () => {
      while (metricsRunning) {
        metricsSamples.push(
          await sampleMetrics(stack).catch(() => metricsSamples[metricsSamples.length - 1] as MetricsSample),
        );
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    const runPhase = async (name: string, phase: Phase, ratePerSecond?: number) => {
      log(
        `pipeline: ${name} phase, ${(phase.toSeq - phase.fromSeq) * meters} messages${ratePerSecond ? ` at ${ratePerSecond}/s` : ''}`,
      );
      const target = phase.toSeq * meters; // all earlier phases are stored already
      const firstSampleIndex = sampler.samples.length;
      const firstMetricsIndex = metricsSamples.length;
      const cpuBefore = cpuSnapshot(pids);
      const metricsBefore = await sampleMetrics(stack);
      const messages = phaseMessages(phase);
      const publish = await publisher.publish(messages, phase.fromSeq * meters, publishedAtMs, {
        maxInFlight,
        ...(ratePerSecond ? { ratePerSecond } : {}),
      });
      let done: StoreSample | undefined;
      try {
        done = await sampler.waitForCount(target, timeoutMs);
      } catch (error) {
        log(String(error));
      }
      const cpu = cpuDelta(cpuBefore, cpuSnapshot(pids));
      const metricsAfter = await sampleMetrics(stack);
      const endMs = done?.atMs ?? nowMs();
      const samples = sampler.samples.slice(firstSampleIndex);
      const base = phase.fromSeq * meters;
      const t10 = timeToReach(samples, (s) => s.count, base + 0.1 * messages.length);
      const t90 = timeToReach(samples, (s) => s.count, base + 0.9 * messages.length);
      const mSamples = [metricsBefore, ...metricsSamples.slice(firstMetricsIndex), metricsAfter];
      const receivedAllMs = timeToReach(mSamples, (s) => s.received - metricsBefore.received, messages.length);
      const atReceivedAll = mSamples.find((s) => s.received - metricsBefore.received >= messages.length);
      const lagMax = mSamples.slice(1).map((s) => s.loopLagMaxMs);
      const result: PhaseResult = {
        messages: messages.length,
        publish,
        elapsedMs: round(endMs - publish.firstPublishMs, 0),
        perSecond: round(messages.length / ((endMs - publish.firstPublishMs) / 1000), 0),
        steadyPerSecond: round((0.8 * messages.length) / ((t90 - t10) / 1000), 0),
        publisherAckedPerSecond: publishRate(publish),
        latency: percentiles(storedLatencies(samples, phase, publishedAtMs, { meters, probeMeters })),
        complete: done !== undefined,
      };
      const flushes = metricsAfter.flushCount - metricsBefore.flushCount;
      // Seconds since first publish → the service's received and stored counters and spool backlog.
      const timeline = mSamples.map((s) => ({
        tS: round((s.atMs - publish.firstPublishMs) / 1000, 2),
        received: s.received - metricsBefore.received,
        stored: s.stored - metricsBefore.stored,
        backlog: s.backlogRecords,
        heapUsedMiB: s.heapUsedMiB,
        heapTotalMiB: s.heapTotalMiB,
        externalMiB: s.externalMiB,
        rssMiB: s.rssMiB,
      }));
      return {
        result,
        cpu,
        service: {
          /** First publish → the service's received counter reached the phase's count (250 ms samples). */
          receivedPerSecond: round(messages.length / ((receivedAllMs - publish.firstPublishMs) / 1000), 0),
          /** Readings stored per second while messages were still arriving (first publish → the scrape that saw all received). */
          storedWhileReceivingPerSecond: atReceivedAll
            ? round(
                (atReceivedAll.stored - metricsBefore.stored) / ((atReceivedAll.atMs - publish.firstPublishMs) / 1000),
                0,
              )
            : Number.NaN,
          /** Event-loop delay of the service: max over the phase, and median of the per-scrape maxima. */
          eventLoopLagMaxMs: round(Math.max(...lagMax.filter(Number.isFinite)), 1),
          eventLoopLagMedianOfMaxMs: percentiles(lagMax).p50Ms,
          metricsScrapes: mSamples.length - 1,
          maxSpoolBacklogRecords: Math.max(...mSamples.map((s) => s.backlogRecords)),
          storeFlushes: flushes,
          meanBatchReadings: round((metricsAfter.stored - metricsBefore.stored) / Math.max(flushes, 1), 0),
          meanFlushMs: round(
            ((metricsAfter.flushSeconds - metricsBefore.flushSeconds) / Math.max(flushes, 1)) * 1000,
            1,
          ),
          flushBusySeconds: round(metricsAfter.flushSeconds - metricsBefore.flushSeconds, 2),
          timeline,
        },
      };
    };

    const warm = await runPhase('warm-up', PHASES.warmup);
    const saturation = await runPhase('saturation', PHASES.saturation);
    const paced = await runPhase('paced', PHASES.paced, pacedRate);
    await sampler.stop();
    metricsRunning = false;
    await metricsLoop;
    void warm;

    // publish → arrival at the service (received_at), for the probe meters: splits the latency.
    const arrivals = await questDbExec(
      stack.questdb.url,
      `SELECT meter_id, seq, cast(received_at AS long) FROM readings WHERE meter_id IN (${probeMeters.map((m) => `'${meterId(m)}'`).join(',')})`,
    );
    const arrivalLatency = (phase: Phase) =>
      percentiles(
        arrivals
          .filter((row) => Number(row[1]) >= phase.fromSeq && Number(row[1]) < phase.toSeq)
          .map(
            (row) =>
              Number(row[2]) / 1000 -
              (publishedAtMs[Number(row[1]) * meters + Number(String(row[0]).slice(1))] ?? Number.NaN),
          ),
      );

    await stack.store.sync();
    const verification = await verifyStore(stack.questdb.url);
    const serviceMetrics = await stack.service.metrics();
    const memory = {
      service: memoryBytes(pids.service),
      mosquitto: memoryBytes(pids.mosquitto),
      questdb: memoryBytes(pids.questdb),
    };
    const brokerDrops = await stack.mosquitto.sysDropped();
    await publisher.close();
    const sampleGaps = sampler.samples.slice(1).map((s, i) => s.atMs - (sampler.samples[i] as StoreSample).atMs);
    const nonContiguous = sampler.samples.reduce(
      (n, s) => n + s.probeMaxSeq.filter((max, p) => max >= 0 && s.probeCount[p] !== max + 1).length,
      0,
    );
    log('pipeline: stopping the service (graceful: drains, writes the CPU profile when profiling)');
    await stack.service.stop();
    const windows = {
      saturation: {
        fromMs: saturation.result.publish.firstPublishMs,
        toMs: saturation.result.publish.firstPublishMs + saturation.result.elapsedMs,
      },
      paced: {
        fromMs: paced.result.publish.firstPublishMs,
        toMs: paced.result.publish.firstPublishMs + paced.result.elapsedMs,
      },
    };
    const ioTrace = traceFile ? summariseIoTrace(traceFile, windows) : undefined;
    return {
      questdbVersion,
      saturation: {
        ...saturation.result,
        service: saturation.service,
        arrivalLatency: arrivalLatency(PHASES.saturation),
      },
      paced: { ...paced.result, service: paced.service, arrivalLatency: arrivalLatency(PHASES.paced) },
      cpuSecondsPer10k: per10k(saturation.cpu, N),
      cpuSecondsSaturation: Object.fromEntries(Object.entries(saturation.cpu).map(([k, v]) => [k, round(v, 2)])),
      foreignCoresDuringSaturation: foreignCores(saturation.cpu, saturation.result.elapsedMs),
      loadAverageAfter: loadavg().map((v) => round(v, 2)),
      serviceProcessCpuMetricSeconds: serviceMetrics.tanhe_process_cpu_seconds_total,
      peakRssBytes: {
        service: memory.service.peakRss,
        mosquitto: memory.mosquitto.peakRss,
        questdb: memory.questdb.peakRss,
      },
      verification,
      serviceCounters: {
        messagesReceived: serviceMetrics.tanhe_ingest_messages_received_total ?? 0,
        readingsStored: serviceMetrics.tanhe_ingest_readings_stored_total ?? 0,
        duplicatesSkipped: serviceMetrics.tanhe_ingest_duplicates_total ?? 0,
        quarantined: serviceMetrics.tanhe_ingest_items_quarantined_total ?? 0,
        storeWriteFailures: serviceMetrics.tanhe_store_write_failures_total ?? 0,
      },
      brokerDrops,
      ioTrace,
      sampler: {
        intervalMs: sampleMs,
        samples: sampler.samples.length,
        medianGapMs: percentiles(sampleGaps).p50Ms,
        medianQueryMs: percentiles(sampler.samples.map((s) => s.queryMs)).p50Ms,
        nonContiguousProbeObservations: nonContiguous,
      },
    };
  } finally {
    await stack.dispose();
  }
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

function mosquittoVersion(): string {
  try {
    execFileSync(findMosquittoBinary(), ['-h'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const out = String((error as { stdout?: unknown }).stdout ?? '');
    return /mosquitto version (\S+)/.exec(out)?.[1] ?? 'unknown';
  }
  return 'unknown';
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n)
    ? '—'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (bytes: number | undefined) =>
  bytes === undefined || !Number.isFinite(bytes) ? '—' : `${fmt(bytes / 2 ** 20, 0)} MiB`;

async function main() {
  const startedAt = new Date();
  const startLoad = loadavg().map((v) => round(v, 2));
  const profileDir = flags.profile ? join(tmpdir(), `tanhe-bench-profile-${startedAt.getTime()}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  log(
    `${N} messages (${meters} meters × ${perMeter}), warm-up ${warmPerMeter * meters}, paced ${pacedPerMeter * meters} at ${pacedRate}/s; ${publishers} publisher clients × ${maxInFlight} in flight`,
  );

  const relay = flags['skip-relay'] ? undefined : await runRelay();
  const traceFile = flags['trace-io'] ? join(tmpdir(), `tanhe-bench-io-trace-${startedAt.getTime()}.jsonl`) : undefined;
  const pipeline = await runPipeline(profileDir, traceFile);

  let profile: ProfileSummary | undefined;
  if (profileDir) {
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) profile = summariseProfile(join(profileDir, file));
    else log(`no .cpuprofile in ${profileDir}`);
  }

  const ratio = relay ? round(pipeline.saturation.perSecond / relay.saturation.perSecond, 3) : Number.NaN;
  const v = pipeline.verification;
  const goal = {
    ratioAtLeast: 0.75,
    ratio,
    ratioPass: ratio >= 0.75,
    lost: v.lost,
    lostPass: v.lost === 0,
    duplicated: v.duplicates,
    duplicatedPass: v.duplicates === 0,
    brokerDrops: pipeline.brokerDrops,
    brokerDropsPass: pipeline.brokerDrops === 0,
    note: 'issue 2 item 10: ratio >= 0.75 (about 15-20k readings/s on a 2-core machine with everything on it), 0 lost, 0 duplicated, 0 broker drops',
  };

  const result = {
    benchmark: 'ingest',
    startedAt: startedAt.toISOString(),
    durationSeconds: round((Date.now() - startedAt.getTime()) / 1000, 0),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryBytes: totalmem(),
      kernel: release(),
      loadAverageAtStart: startLoad,
      node: process.version,
      mosquitto: mosquittoVersion(),
      questdb: pipeline.questdbVersion,
    },
    parameters: {
      messages: N,
      meters,
      perMeter,
      warmupMessages: warmPerMeter * meters,
      pacedMessages: pacedPerMeter * meters,
      pacedRatePerSecond: pacedRate,
      publisherClients: publishers,
      maxInFlightPerClient: maxInFlight,
      probeMeters: probeMeters.length,
      storeSampleIntervalMs: sampleMs,
      spool: { fsync: 'interval (default)', batchSize: batchSize ?? 'default (5000)' },
      mosquittoConf: 'docker/mosquitto.conf (shipped), per-test listener and sys_interval 1',
      profiled: profileDir !== undefined,
      ioTraced: traceFile !== undefined,
    },
    relay,
    pipeline,
    goal,
    profile,
  };
  mkdirSync(dirname(flags.out), { recursive: true });
  writeFileSync(flags.out, JSON.stringify(result, null, 2) + '\n');

  const rows: [string, string, string][] = [];
  const row = (label: string, r: string, p: string) => rows.push([label, r, p]);
  const rs = relay?.saturation;
  const ps = pipeline.saturation;
  row('sustained msgs/s, zero loss (first publish → all done)', fmt(rs?.perSecond), fmt(ps.perSecond));
  row('  steady state (10 % → 90 % of messages done)', fmt(rs?.steadyPerSecond), fmt(ps.steadyPerSecond));
  row('  publisher rate acked by broker', fmt(rs?.publisherAckedPerSecond), fmt(ps.publisherAckedPerSecond));
  row('  service received msgs/s (ingest side only)', '', fmt(ps.service.receivedPerSecond));
  row('  stored/s while messages were still arriving', '', fmt(ps.service.storedWhileReceivingPerSecond));
  row('ratio pipeline / relay', '', fmt(ratio, 3));
  row(
    'latency publish→done p50 / p99, saturation (ms)',
    `${fmt(rs?.latency.p50Ms, 1)} / ${fmt(rs?.latency.p99Ms, 1)}`,
    `${fmt(ps.latency.p50Ms, 1)} / ${fmt(ps.latency.p99Ms, 1)}`,
  );
  row(
    `latency publish→done p50 / p99, paced ${fmt(pacedRate)}/s (ms)`,
    `${fmt(relay?.paced.latency.p50Ms, 1)} / ${fmt(relay?.paced.latency.p99Ms, 1)}`,
    `${fmt(pipeline.paced.latency.p50Ms, 1)} / ${fmt(pipeline.paced.latency.p99Ms, 1)}`,
  );
  row(
    '  of which publish→service arrival p50 / p99, paced (ms)',
    '',
    `${fmt(pipeline.paced.arrivalLatency.p50Ms, 1)} / ${fmt(pipeline.paced.arrivalLatency.p99Ms, 1)}`,
  );
  row(
    'CPU-s per 10 000: subscriber / service',
    fmt(relay?.cpuSecondsPer10k.subscriber, 3),
    fmt(pipeline.cpuSecondsPer10k.service, 3),
  );
  row(
    'CPU-s per 10 000: mosquitto',
    fmt(relay?.cpuSecondsPer10k.mosquitto, 3),
    fmt(pipeline.cpuSecondsPer10k.mosquitto, 3),
  );
  row('CPU-s per 10 000: questdb', '', fmt(pipeline.cpuSecondsPer10k.questdb, 3));
  row(
    'CPU-s per 10 000: bench (publisher + sampler)',
    fmt(relay?.cpuSecondsPer10k.bench, 3),
    fmt(pipeline.cpuSecondsPer10k.bench, 3),
  );
  row(
    'peak RSS: subscriber / service (VmHWM)',
    mib(relay?.peakRssBytes.subscriber),
    mib(pipeline.peakRssBytes.service),
  );
  row(
    'peak RSS: mosquitto / questdb',
    mib(relay?.peakRssBytes.mosquitto),
    `${mib(pipeline.peakRssBytes.mosquitto)} / ${mib(pipeline.peakRssBytes.questdb)}`,
  );
  row(
    'store batches, saturation: count, mean readings, mean flush ms',
    '',
    `${fmt(ps.service.storeFlushes)}, ${fmt(ps.service.meanBatchReadings)}, ${fmt(ps.service.meanFlushMs, 1)}`,
  );
  row('max spool backlog (records)', '', fmt(ps.service.maxSpoolBacklogRecords));
  row(
    'service event-loop delay, saturation: max / median scrape max (ms)',
    '',
    `${fmt(ps.service.eventLoopLagMaxMs)} / ${fmt(ps.service.eventLoopLagMedianOfMaxMs)}`,
  );
  row(
    'store batches, paced: count, mean readings, mean flush ms',
    '',
    `${fmt(pipeline.paced.service.storeFlushes)}, ${fmt(pipeline.paced.service.meanBatchReadings)}, ${fmt(pipeline.paced.service.meanFlushMs, 1)}`,
  );
  const relayLost = relay ? relay.saturation.lost + relay.paced.lost : undefined;
  const relayDup = relay ? relay.saturation.duplicates + relay.paced.duplicates : undefined;
  row(
    'lost / duplicated (all phases)',
    `${fmt(relayLost)} / ${fmt(relayDup)}`,
    `${fmt(v.lost)} / ${fmt(v.duplicates)}`,
  );
  row(
    'wrong values / wrong ts / unexpected rows / quarantined',
    '',
    `${v.wrongValueMeters} / ${v.wrongTsRows} / ${v.unexpectedRows} / ${v.quarantined}`,
  );
  row('broker drops ($SYS …/messages/dropped)', fmt(relay?.brokerDrops), fmt(pipeline.brokerDrops));
  row(
    'other processes on the machine during saturation (cores)',
    fmt(relay?.foreignCoresDuringSaturation, 2),
    fmt(pipeline.foreignCoresDuringSaturation, 2),
  );

  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(10, ...rows.map((r) => r[1].length));
  const lines = [
    `tanhe ingest benchmark · ${result.machine.cpus} × ${result.machine.cpuModel} · node ${process.version} · Mosquitto ${result.machine.mosquitto} · QuestDB ${result.machine.questdb}`,
    `${fmt(N)} messages (${fmt(meters)} meters × ${perMeter}), ${publishers} QoS 1 publisher clients × ${maxInFlight} in flight; warm-up ${fmt(warmPerMeter * meters)}; paced ${fmt(pacedPerMeter * meters)} at ${fmt(pacedRate)}/s; spool fsync interval, batchSize ${batchSize ?? 5000}${profileDir || traceFile ? '; SERVICE INSTRUMENTED (figures inflated)' : ''}`,
    '',
    `${''.padEnd(w0)}  ${'bare relay'.padStart(w1)}  full pipeline`,
    ...rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`),
    '',
    `goal (issue 2 #10): ratio ≥ 0.75 ${goal.ratioPass ? 'PASS' : 'FAIL'} (${fmt(ratio, 3)}) · 0 lost ${goal.lostPass ? 'PASS' : 'FAIL'} · 0 duplicated ${goal.duplicatedPass ? 'PASS' : 'FAIL'} · 0 broker drops ${goal.brokerDropsPass ? 'PASS' : 'FAIL'}`,
    ...(Math.max(relay?.foreignCoresDuringSaturation ?? 0, pipeline.foreignCoresDuringSaturation) > 0.2
      ? [
          `WARNING: other processes used CPU during the measurement (see the last row); the machine was not quiet, so the figures understate both steps.`,
        ]
      : []),
    `written to ${flags.out}`,
  ];
  console.log(lines.join('\n'));
  if (pipeline.ioTrace) console.log('\nservice I/O trace (--trace-io):\n' + JSON.stringify(pipeline.ioTrace, null, 1));
  if (profile) console.log('\n' + formatProfile(profile));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
