/**
 * Alerts benchmark (issue 8 §10): a fleet of N meters with 15-minute readings on a real
 * QuestDB, and the rule families the service runs (src/wire-alerts.ts `ruleFamilies`:
 * meter health, quotas, baselines) under the lifecycle (`createRunChecks`). Measures
 *
 * - one full evaluation of every family at an instant (cold: the first after loading),
 * - an incremental evaluation 15 minutes later, after the next interval's readings were written,
 * - reading → alert latency of a live rule (meter_offline): probe meters fall silent during the
 *   live ticks; a probe's latency is from the instant its silence became an offline condition
 *   (last reading + afterIntervals × interval, device time) to the moment the run that opened its
 *   alert had appended it. The ticks come every `--tick-minutes` of simulated time (the evaluation
 *   job's cadence), so the latency is the simulated wait for the next tick plus the measured run.
 *
 * Prints the figures and writes them as JSON (bench/results/alerts.json); never asserts.
 *
 *   npm run bench:alerts -- [--meters 10000] [--days 35] [--interval-minutes 15] [--ticks 4] …
 *
 * A year of 10 000 meters × 15 minutes is 350 M rows: far more than this 2-core machine loads in a
 * sensible time (~125 000 rows/s through ILP); the run states exactly what it measured.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Sender } from '@questdb/nodejs-client';
import { stringify } from 'yaml';
import { createFleetView, type FleetConfig } from '../../accounting/index.js';
import {
  createMemoryAlertEventStore,
  createRunChecks,
  type ChecksRun,
  type RuleFamily,
  type RuleFinding,
} from '../../alerts/index.js';
import { readFactorCatalogue } from '../../config/index.js';
import { loadAppConfig } from '../../src/load-app-config.js';
import { ruleFamilies } from '../../src/wire-alerts.js';
import { createStores } from '../../src/wire-stores.js';
import { startQuestDb } from '../../tests/support/questdb.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');

const { values: flags } = parseArgs({
  options: {
    meters: { type: 'string', default: '10000' },
    days: { type: 'string', default: '35' },
    'interval-minutes': { type: 'string', default: '15' },
    /** Live ticks after the full evaluation (the first is the incremental evaluation). */
    ticks: { type: 'string', default: '4' },
    'tick-minutes': { type: 'string', default: '15' },
    /** Meters that fall silent during the ticks (the latency probes). */
    probes: { type: 'string', default: '40' },
    /** The live job's cadence in simulated minutes between the ticks (meter health's live family); 0: none. */
    'live-minutes': { type: 'string', default: '1' },
    /** Evaluate only these families (comma-separated names); all by default. */
    families: { type: 'string' },
    batch: { type: 'string', default: '100000' },
    heap: { type: 'string', default: '4g' },
    /** Time every QuestDB request per family (how much of a family's time is the store's); off by default. */
    'trace-queries': { type: 'boolean', default: false },
    out: { type: 'string', default: join(REPO_ROOT, 'bench', 'results', 'alerts.json') },
  },
});

const METERS = Number(flags.meters);
const DAYS = Number(flags.days);
const STEP_MS = Number(flags['interval-minutes']) * 60_000;
const TICKS = Number(flags.ticks);
const TICK_MS = Number(flags['tick-minutes']) * 60_000;
const PROBES = Math.min(Number(flags.probes), Math.floor(METERS / 10));
const LIVE_MS = Number(flags['live-minutes']) * 60_000;
const BATCH_ROWS = Number(flags.batch);
const TZ = 'Asia/Shanghai';
/** The instant of the full evaluation: data covers [AS_OF − days, AS_OF). A Wednesday morning. */
const AS_OF_MS = Date.parse('2026-11-18T10:00:00+08:00');
const DATA_FROM_MS = AS_OF_MS - DAYS * 86_400_000;
/** Every institution has one main meter (its first) over nine sub-meters. */
const METERS_PER_INSTITUTION = 10;
const OFFLINE_AFTER_INTERVALS = 4;

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

const meterIdOf = (m: number) => `m${String(m).padStart(5, '0')}`;
const institutionIdOf = (i: number) => `i${String(i).padStart(4, '0')}`;

// ---------------------------------------------------------------------------
// Fleet and configuration

function benchFleet(): FleetConfig {
  const orgs: FleetConfig['orgs'][number][] = [{ id: 'bench', name: 'bench region', level: 'region' }];
  const institutions: FleetConfig['institutions'][number][] = [];
  const buildings: FleetConfig['buildings'][number][] = [];
  const meters: FleetConfig['meters'][number][] = [];
  const institutionCount = Math.ceil(METERS / METERS_PER_INSTITUTION);
  for (let i = 0; i < institutionCount; i++) {
    const city = `bench-c${Math.floor(i / 100)}`;
    const county = `${city}-k${Math.floor(i / 10) % 10}`;
    if (i % 100 === 0) orgs.push({ id: city, name: city, level: 'city', parent: 'bench' });
    if (i % 10 === 0) orgs.push({ id: county, name: county, level: 'county', parent: city });
    const id = institutionIdOf(i);
    institutions.push({
      id,
      name: id,
      org: county,
      type: 'government_office',
      timezone: TZ,
      gridRegion: 'northwest',
      floorAreaM2: [{ from: '2020-01-01', value: 10_000 }],
      occupants: [{ from: '2020-01-01', value: 400 }],
    });
    buildings.push({ id: `${id}-b`, institution: id, name: 'main' });
  }
  for (let m = 0; m < METERS; m++) {
    const main = m - (m % METERS_PER_INSTITUTION);
    meters.push({
      id: meterIdOf(m),
      building: `${institutionIdOf(Math.floor(m / METERS_PER_INSTITUTION))}-b`,
      carrier: 'electricity',
      unit: 'kWh',
      register: 'cumulative',
      multiplier: 1,
      ratedMaxPerHour: m === main ? 2000 : 200,
      expectedIntervalMinutes: STEP_MS / 60_000,
      replacements: [],
      ...(m === main ? {} : { parent: meterIdOf(main) }),
    });
  }
  return { orgs, institutions, buildings, meters };
}

/** A quota per institution (tce for 2026, a historical baseline less 3 %), sized near the bench's use. */
function benchQuotas(institutionCount: number) {
  return Array.from({ length: institutionCount }, (_, i) => ({
    institution: institutionIdOf(i),
    year: 2026,
    metric: 'tce',
    source: {
      kind: 'historical',
      baselineYear: 2025,
      baselineValue: 40,
      reductionPercent: 3,
      citation: 'bench figure',
    },
    allocation: { kind: 'flat' },
  }));
}

// ---------------------------------------------------------------------------
// Readings: office-hours load; a main meter reads its sub-meters' sum plus 2 % losses

/** Energy of sub-meter m (1–9 within its institution) in the interval ending at tsMs. */
function increment(m: number, tsMs: number): number {
  const localHour = (new Date(tsMs).getUTCHours() + 8) % 24;
  const localDay = new Date(tsMs + 8 * 3_600_000).getUTCDay();
  const working = localDay >= 1 && localDay <= 5 && localHour >= 8 && localHour < 18;
  const base = (0.5 + (m % 20) * 0.1) * (STEP_MS / 900_000);
  return base * (working ? 1.5 : 0.4);
}

interface Loader {
  /** Writes one interval of every meter except those in `silent`, at tsMs; returns the rows written. */
  step(tsMs: number, silent?: ReadonlySet<number>): Promise<number>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

async function createLoader(httpPort: number): Promise<Loader> {
  const sender = await Sender.fromConfig(
    `http::addr=127.0.0.1:${httpPort};auto_flush=off;protocol_version=2;stdlib_http=on;` +
      'request_timeout=600000;retry_timeout=0;',
    { log: () => {} },
  );
  const values = new Float64Array(METERS).map((_, m) => 1000 + m * 10);
  const seqs = new Int32Array(METERS);
  let pending = 0;
  const write = async (m: number, tsMs: number) => {
    const us = BigInt(tsMs) * 1000n;
    sender
      .table('readings')
      .symbol('meter_id', meterIdOf(m))
      .symbol('quality', 'ok')
      .floatColumn('value', values[m] as number)
      .intColumn('seq', (seqs[m] as number) + 0);
    seqs[m] = (seqs[m] as number) + 1;
    sender.timestampColumn('received_at', us, 'us');
    await sender.at(us, 'us');
    if (++pending >= BATCH_ROWS) {
      await sender.flush();
      pending = 0;
    }
  };
  return {
    async step(tsMs, silent) {
      let rows = 0;
      for (let main = 0; main < METERS; main += METERS_PER_INSTITUTION) {
        let sum = 0;
        for (let m = main + 1; m < Math.min(METERS, main + METERS_PER_INSTITUTION); m++) {
          const e = increment(m, tsMs);
          sum += e;
          values[m] = (values[m] as number) + e;
        }
        values[main] = (values[main] as number) + sum * 1.02;
        for (let m = main; m < Math.min(METERS, main + METERS_PER_INSTITUTION); m++) {
          if (silent?.has(m) === true) continue;
          await write(m, tsMs);
          rows++;
        }
      }
      return rows;
    },
    flush: async () => {
      await sender.flush();
      pending = 0;
    },
    close: () => sender.close(),
  };
}

// ---------------------------------------------------------------------------
// Measurements

interface FamilyTiming {
  readonly family: string;
  readonly ms: number;
  readonly findings: number;
  /** SHA-256 of the findings (JSON, in the family's order): equal digests, equal findings (before/after a change). */
  readonly digest: string;
  /** With --trace-queries: the time QuestDB requests were in flight, their number, the costliest shapes. */
  readonly storeMs?: number;
  readonly requests?: number;
  readonly topShapes?: readonly { readonly shape: string; readonly n: number; readonly ms: number }[];
}

const digestOf = (findings: readonly RuleFinding[]) =>
  createHash('sha256').update(JSON.stringify(findings)).digest('hex').slice(0, 16);

/** Wraps families so that each evaluation's duration is recorded. */
/**
 * What the store took of a family's evaluation: every `/exec` request to QuestDB is timed (the store's
 * work plus the transfer, up to the body read); `storeMs` is the time at least one was in flight, the
 * rest of the family's time is Node's own (parsing the answers' JSON included, it runs after the body).
 * The families run one after the other, so the requests in flight belong to the family being timed.
 */
interface QueryTrace {
  inFlight: number;
  busySinceMs: number;
  storeMs: number;
  requests: number;
  /** Per query shape (numbers, strings and IN lists masked): requests and summed duration. */
  shapes: Map<string, { n: number; ms: number }>;
}

const trace: QueryTrace = { inFlight: 0, busySinceMs: 0, storeMs: 0, requests: 0, shapes: new Map() };

function shapeOf(sql: string): string {
  return sql
    .replace(/'[^']*'/g, '?')
    .replace(/\b\d+(\.\d+)?\b/g, '#')
    .replace(/\(\?(, \?)*\)/g, '(…)')
    .slice(0, 160);
}

/** Wraps fetch so that QuestDB's `/exec` requests are traced (the bench's own process only). */
function traceQuestDbRequests(): void {
  const original = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = input instanceof URL ? input : typeof input === 'string' ? new URL(input) : new URL(input.url);
    if (url.pathname !== '/exec') return original(input, init);
    const started = performance.now();
    if (trace.inFlight++ === 0) trace.busySinceMs = started;
    let response: Response;
    let body: string;
    try {
      response = await original(input, init);
      // The body is read here so that the transfer counts; the caller reads the same text.
      body = await response.text();
    } finally {
      if (--trace.inFlight === 0) trace.storeMs += performance.now() - trace.busySinceMs;
    }
    const ended = performance.now();
    trace.requests++;
    const shape = shapeOf(url.searchParams.get('query') ?? '');
    const entry = trace.shapes.get(shape) ?? { n: 0, ms: 0 };
    entry.n++;
    entry.ms += ended - started;
    trace.shapes.set(shape, entry);
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

function takeTrace(): { storeMs: number; requests: number; topShapes: { shape: string; n: number; ms: number }[] } {
  const topShapes = [...trace.shapes]
    .map(([shape, v]) => ({ shape, n: v.n, ms: round(v.ms) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 6);
  const taken = { storeMs: round(trace.storeMs), requests: trace.requests, topShapes };
  trace.storeMs = 0;
  trace.requests = 0;
  trace.shapes.clear();
  return taken;
}

const storeShare = (f: FamilyTiming) =>
  f.storeMs === undefined ? '' : `, store ${round(f.storeMs / 1000, 2)} s in ${f.requests} requests`;

function timed(families: readonly RuleFamily[], sink: FamilyTiming[]): RuleFamily[] {
  return families.map((f) => ({
    name: f.name,
    rules: f.rules,
    async evaluate(asOfMs: number) {
      takeTrace();
      const started = performance.now();
      const found = await f.evaluate(asOfMs);
      const ms = round(performance.now() - started);
      const traced = flags['trace-queries'] ? takeTrace() : {};
      sink.push({ family: f.name, ms, findings: found.length, digest: digestOf(found), ...traced });
      return found;
    },
  }));
}

function verdictCounts(findings: readonly RuleFinding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[`${f.rule}:${f.verdict}`] = (counts[`${f.rule}:${f.verdict}`] ?? 0) + 1;
  return counts;
}

const percentile = (xs: readonly number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

async function main() {
  const fleet = benchFleet();
  const institutionCount = fleet.institutions.length;
  const dir = mkdtempSync(join(tmpdir(), 'tanhe-bench-alerts-'));
  const rowsPlanned = METERS * Math.round((DAYS * 86_400_000) / STEP_MS);
  log(`${METERS} meters × ${DAYS} days × ${STEP_MS / 60_000} min = ${rowsPlanned.toLocaleString('en')} rows`);
  if (flags['trace-queries']) traceQuestDbRequests();
  const qdb = await startQuestDb({ maxHeap: flags.heap, startTimeoutMs: 120_000 });
  const result: Record<string, unknown> = {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: round(totalmem() / 2 ** 30),
      node: process.version,
      loadAverageAtStart: loadavg().map((x) => round(x, 2)),
    },
    sizes: {
      meters: METERS,
      institutions: institutionCount,
      days: DAYS,
      intervalMinutes: STEP_MS / 60_000,
      rows: rowsPlanned,
      asOf: new Date(AS_OF_MS).toISOString(),
      ticks: TICKS,
      tickMinutes: TICK_MS / 60_000,
      probes: PROBES,
      liveMinutes: LIVE_MS / 60_000,
    },
  };
  try {
    writeFileSync(join(dir, 'fleet.yaml'), stringify(fleet));
    writeFileSync(
      join(dir, 'config.yaml'),
      stringify({
        store: { kind: 'questdb', questdbUrl: qdb.url, requestTimeoutMs: 600_000 },
        spool: { dir: join(dir, 'spool') },
        fleetFile: 'fleet.yaml',
        alerts: {
          health: { offline: { afterIntervals: OFFLINE_AFTER_INTERVALS } },
          quotas: { entries: benchQuotas(institutionCount) },
        },
      }),
    );
    const config = loadAppConfig(join(dir, 'config.yaml'), {});
    const stores = createStores(config);
    await stores.init();
    const loader = await createLoader(qdb.httpPort);

    // Load [DATA_FROM, AS_OF) in time order.
    const loadStarted = performance.now();
    let rows = 0;
    for (let tsMs = DATA_FROM_MS; tsMs < AS_OF_MS; tsMs += STEP_MS) {
      rows += await loader.step(tsMs);
      if ((tsMs - DATA_FROM_MS) % 86_400_000 === 86_400_000 - STEP_MS) {
        const s = (performance.now() - loadStarted) / 1000;
        log(
          `  day ${Math.round((tsMs + STEP_MS - DATA_FROM_MS) / 86_400_000)}/${DAYS}: ${rows} rows, ${round(rows / s, 0)}/s`,
        );
      }
    }
    await loader.flush();
    await stores.readings.sync();
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    result.load = { rows, seconds: round(loadSeconds), rowsPerSecond: round(rows / loadSeconds, 0) };
    log(`loaded ${rows} rows in ${round(loadSeconds)} s`);

    const fleetView = createFleetView(config.fleet);
    const named = ruleFamilies({ config, fleetView, catalogue: readFactorCatalogue(config), stores });
    const wanted = flags.families?.split(',');
    const families = named.all.filter((f) => wanted === undefined || wanted.includes(f.name));
    const timings: FamilyTiming[] = [];
    const runChecks = createRunChecks({ families: timed(families, timings), store: createMemoryAlertEventStore() });
    const findingsSeen: RuleFinding[] = [];

    // Full evaluation.
    const fullStarted = performance.now();
    const full: ChecksRun = await runChecks(AS_OF_MS);
    const fullMs = performance.now() - fullStarted;
    const fullFamilies = timings.splice(0);
    for (const a of full.opened) findingsSeen.push(a.finding);
    result.full = {
      ms: round(fullMs),
      families: fullFamilies,
      findings: full.findings,
      opened: full.opened.length,
      failures: full.failures.map((f) => ({ family: f.family, error: String(f.error) })),
      openedByRule: verdictCounts(findingsSeen),
    };
    log(`full evaluation: ${round(fullMs / 1000, 2)} s, ${full.findings} findings, ${full.opened.length} opened`);
    for (const f of fullFamilies)
      log(`  ${f.family}: ${round(f.ms / 1000, 2)} s (${f.findings} findings, digest ${f.digest})${storeShare(f)}`);
    for (const f of full.failures) log(`  FAILED ${f.family}: ${String(f.error)}`);

    // Live ticks: each writes the readings of the tick's intervals, then evaluates at its end.
    // Probe k (one sub-meter in each of PROBES institutions) falls silent after a staggered interval.
    const probeMeters = Array.from({ length: PROBES }, (_, k) => {
      const institution = Math.floor((k * institutionCount) / PROBES);
      return institution * METERS_PER_INSTITUTION + 1 + (k % (METERS_PER_INSTITUTION - 1));
    }).filter((m) => m < METERS);
    const stepsPerTick = Math.max(1, Math.round(TICK_MS / STEP_MS));
    const silentFromMs = new Map<number, number>();
    probeMeters.forEach((m, k) => {
      const offset = (k % Math.max(1, TICKS * stepsPerTick - OFFLINE_AFTER_INTERVALS)) * STEP_MS;
      silentFromMs.set(m, AS_OF_MS + offset);
    });
    const dueMs = new Map<string, number>(
      [...silentFromMs].map(([m, fromMs]) => [meterIdOf(m), fromMs - STEP_MS + OFFLINE_AFTER_INTERVALS * STEP_MS + 1]),
    );
    const ticks: Record<string, unknown>[] = [];
    const latencies: { meterId: string; ms: number; by: 'live' | 'full' }[] = [];
    const liveRunMs: number[] = [];
    const recordOpened = (run: ChecksRun, asOfMs: number, ms: number, by: 'live' | 'full') => {
      for (const alert of run.opened) {
        const due = alert.rule === 'meter_offline' ? dueMs.get(alert.subject.id) : undefined;
        if (due !== undefined) latencies.push({ meterId: alert.subject.id, ms: asOfMs - due + ms, by });
      }
    };
    // The live job (src/wire-alerts.ts `live`) at its cadence between the ticks, through the same runChecks.
    const liveFamilies = LIVE_MS > 0 ? named.live : [];
    const liveUntil = async (fromMs: number, toMs: number) => {
      for (let asOfMs = fromMs + LIVE_MS; liveFamilies.length > 0 && asOfMs < toMs; asOfMs += LIVE_MS) {
        const started = performance.now();
        const run = await runChecks(asOfMs, { families: liveFamilies });
        const ms = performance.now() - started;
        liveRunMs.push(ms);
        recordOpened(run, asOfMs, ms, 'live');
      }
    };
    let tickAsOf = AS_OF_MS;
    for (let t = 0; t < TICKS; t++) {
      const writeStarted = performance.now();
      let written = 0;
      for (let s = 0; s < stepsPerTick; s++) {
        const tsMs = tickAsOf + s * STEP_MS;
        const silent = new Set(probeMeters.filter((m) => (silentFromMs.get(m) ?? Infinity) <= tsMs));
        written += await loader.step(tsMs, silent);
        await loader.flush();
        await stores.readings.sync();
        // Live runs up to the next step's readings (the last step's: up to the tick's full evaluation).
        await liveUntil(tsMs, tsMs + STEP_MS);
      }
      const writeMs = performance.now() - writeStarted;
      tickAsOf += TICK_MS;
      const started = performance.now();
      const run = await runChecks(tickAsOf);
      const ms = performance.now() - started;
      recordOpened(run, tickAsOf, ms, 'full');
      const familiesOfTick = timings.splice(0);
      ticks.push({
        asOf: new Date(tickAsOf).toISOString(),
        rowsWritten: written,
        // Writing, and the live runs between the writes.
        writeMs: round(writeMs),
        ms: round(ms),
        families: familiesOfTick,
        opened: run.opened.length,
        resolved: run.resolved.length,
        failures: run.failures.map((f) => ({ family: f.family, error: String(f.error) })),
      });
      log(`tick ${t + 1}: ${round(ms / 1000, 2)} s, ${run.opened.length} opened (${written} rows written)`);
      for (const f of familiesOfTick)
        log(`  ${f.family}: ${round(f.ms / 1000, 2)} s (digest ${f.digest})${storeShare(f)}`);
    }
    const latencyMs = latencies.map((l) => l.ms);
    const expectedProbes = [...dueMs.values()].filter((d) => d <= tickAsOf).length;
    result.incremental = ticks[0];
    result.ticks = ticks;
    result.latency = {
      rule: 'meter_offline',
      definition:
        'alert appended − instant the silence became offline (last reading + afterIntervals × interval); ' +
        'simulated wait for the next run that opened it (live job or tick) + its measured run',
      probesDue: expectedProbes,
      alertsOpened: latencies.length,
      openedByLive: latencies.filter((l) => l.by === 'live').length,
      liveMinutes: LIVE_MS / 60_000,
      liveRuns: liveRunMs.length,
      liveRunP50Ms: round(percentile(liveRunMs, 50)),
      liveRunP99Ms: round(percentile(liveRunMs, 99)),
      p50Ms: round(percentile(latencyMs, 50)),
      p99Ms: round(percentile(latencyMs, 99)),
      maxMs: round(Math.max(...latencyMs)),
      evaluationIntervalMs: TICK_MS,
    };
    result.targets = {
      fullMs: 10_000,
      incrementalMs: 1_000,
      latencyP99Ms: TICK_MS,
      fullMet: fullMs <= 10_000,
      incrementalMet: ((ticks[0]?.ms as number | undefined) ?? Infinity) <= 1_000,
      latencyMet: percentile(latencyMs, 99) <= TICK_MS && latencies.length === expectedProbes,
    };
    log(
      `offline latency: ${latencies.length}/${expectedProbes} probes alerted, p50 ${round(percentile(latencyMs, 50) / 1000, 1)} s, ` +
        `p99 ${round(percentile(latencyMs, 99) / 1000, 1)} s (interval ${TICK_MS / 1000} s); ` +
        `${liveRunMs.length} live runs, p50 ${round(percentile(liveRunMs, 50) / 1000, 2)} s, ` +
        `p99 ${round(percentile(liveRunMs, 99) / 1000, 2)} s`,
    );
    await loader.close();
    await stores.close();
  } finally {
    result.loadAverageAtEnd = loadavg().map((x) => round(x, 2));
    await qdb.stop();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(flags.out), { recursive: true });
    writeFileSync(flags.out, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${flags.out}`);
  }
}

await main();
