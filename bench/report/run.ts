/**
 * Report benchmark (issue 3, item 10): QuestDB loaded with N meters × 15-minute
 * readings for one month and M meters for a year; the monthly regional report
 * and the annual report, cold (first query after a QuestDB restart) and warm
 * (repeats), against the naive baseline (every raw row into Node, then
 * computeConsumption) on the same data. Reports; never asserts.
 *
 *   npm run bench:report -- [--meters 10000] [--days 30] [--interval-minutes 15] [--year-meters 1000] [--warm 3] [--computed 3] [--skip-naive] [--only monthly|annual] [--root DIR [--load-only | --no-load]] …
 *
 * Both cases in one run take ~20 minutes on a 2-core machine (loading 64 M rows
 * through the ILP client is ~8 of them); `--only monthly` then `--only annual`
 * stay under 15 minutes each and merge into one report.json.
 *
 * QuestDB answers whole local days from a day roll-up of register segments
 * that the first report after loading builds (timed separately as
 * firstAfterLoadMs); "cold" is the first report after a QuestDB restart (its
 * JVM and caches cold; the OS page cache is not dropped: that needs root).
 *
 * Data: November 2026 (30 local days) for the month set, 2025 for the year set,
 * written in time order through the ILP/HTTP sender in batches of
 * --batch rows. A few meters carry faults the store reduction must send to raw
 * readings (a restart's zero, a 6-hour gap), so the comparison with the naive
 * figures checks that path too.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Sender } from '@questdb/nodejs-client';
import {
  buildCarbonReport,
  computeConsumption,
  createCarbonReportQuery,
  createFleetView,
  createQuestDbAccountingStore,
  type AccountingStore,
  EDGE_WINDOW_MS,
  meterSpec,
  METHODOLOGY_VERSION,
  periodFigures,
  type CarbonReportInput,
  type FleetConfig,
  type MeterPeriodFigures,
  type MeterSpec,
} from '../../accounting/index.js';
import { periodRange } from '../../src/kernel/index.js';
import { readFactorCatalogue } from '../../config/factor-catalogue-schema.js';
import { createQuestDbReadingStore } from '../../ingest/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startQuestDb, type QuestDbHandle } from '../../tests/support/questdb.js';
import { findPid, memoryBytes } from '../ingest/proc-stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');

const { values: flags } = parseArgs({
  options: {
    meters: { type: 'string', default: '10000' },
    days: { type: 'string', default: '30' },
    'year-meters': { type: 'string', default: '1000' },
    'year-days': { type: 'string', default: '365' },
    warm: { type: 'string', default: '3' },
    /** Minutes between a meter's readings (15; 60 for the province-sized set). */
    'interval-minutes': { type: 'string', default: '15' },
    batch: { type: 'string', default: '100000' },
    heap: { type: 'string', default: '4g' },
    /** Also time warm reports with the figures cache off (every figure computed from the store). */
    computed: { type: 'string', default: '3' },
    'naive-concurrency': { type: 'string', default: '4' },
    'skip-naive': { type: 'boolean', default: false },
    'skip-year': { type: 'boolean', default: false },
    /** QuestDB root dir to use and keep (default a temporary one, deleted at the end). */
    root: { type: 'string' },
    /** Load the data into --root, then stop (the reports run later, e.g. on copies of the root). */
    'load-only': { type: 'boolean', default: false },
    /** The data is already in --root (from --load-only): QuestDB is started on it and nothing is loaded. */
    'no-load': { type: 'boolean', default: false },
    /** monthly or annual: run one case (and load only its data); results merge into --out. */
    only: { type: 'string' },
    out: { type: 'string', default: join(REPO_ROOT, 'bench', 'results', 'report.json') },
  },
});

const ONLY = flags.only;
if (ONLY !== undefined && ONLY !== 'monthly' && ONLY !== 'annual') throw new Error('--only is monthly or annual');
const MONTH_METERS = ONLY === 'annual' ? 0 : Number(flags.meters);
const MONTH_DAYS = Number(flags.days);
const YEAR_METERS = flags['skip-year'] || ONLY === 'monthly' ? 0 : Number(flags['year-meters']);
const YEAR_DAYS = Number(flags['year-days']);
const WARM_RUNS = Number(flags.warm);
const BATCH_ROWS = Number(flags.batch);
const STEP_MS = Number(flags['interval-minutes']) * 60_000;
const QUARTER_MS = 15 * 60_000;
const TZ = 'Asia/Shanghai';
const MONTH_PERIOD = '2026-11';
const YEAR_PERIOD = '2025';
/** "Now" for the report: after both periods, so neither is in the future or partial by the clock. */
const NOW_MS = Date.parse('2026-12-15T00:00:00+08:00');

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

// ---------------------------------------------------------------------------
// Fleet: region → cities → counties → institutions → 10 meters each

function benchFleet(): FleetConfig {
  const orgs: FleetConfig['orgs'][number][] = [];
  const institutions: FleetConfig['institutions'][number][] = [];
  const buildings: FleetConfig['buildings'][number][] = [];
  const meters: FleetConfig['meters'][number][] = [];
  const addSet = (prefix: string, region: string, meterCount: number) => {
    orgs.push({ id: region, name: `${region} region`, level: 'region' });
    const institutionCount = Math.ceil(meterCount / 10);
    for (let i = 0; i < institutionCount; i++) {
      const city = `${region}-c${Math.floor(i / 100)}`;
      const county = `${city}-k${Math.floor(i / 10) % 10}`;
      if (i % 100 === 0) orgs.push({ id: city, name: city, level: 'city', parent: region });
      if (i % 10 === 0) orgs.push({ id: county, name: county, level: 'county', parent: city });
      const id = `${prefix}i${String(i).padStart(4, '0')}`;
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
    for (let m = 0; m < meterCount; m++) {
      meters.push({
        id: meterIdOf(prefix, m),
        building: `${prefix}i${String(Math.floor(m / 10)).padStart(4, '0')}-b`,
        carrier: 'electricity',
        unit: 'kWh',
        register: 'cumulative',
        multiplier: 1,
        ratedMaxPerHour: 200,
        expectedIntervalMinutes: STEP_MS / 60_000,
        replacements: [],
      });
    }
  };
  if (MONTH_METERS > 0) addSet('m', 'bench', MONTH_METERS);
  if (YEAR_METERS > 0) addSet('y', 'bench-year', YEAR_METERS);
  return { orgs, institutions, buildings, meters };
}

const meterIdOf = (prefix: string, m: number) => `${prefix}${String(m).padStart(5, '0')}`;

// ---------------------------------------------------------------------------
// Readings: office-hours load, with a few faults

/** kWh in the 15 minutes ending at step `i` (local hour of the step decides the load). */
function increment(m: number, tsMs: number): number {
  const localHour = (new Date(tsMs).getUTCHours() + 8) % 24;
  const base = 0.5 + (m % 20) * 0.1;
  return base * (localHour >= 8 && localHour < 18 ? 1.5 : 0.4);
}

async function load(
  qdb: QuestDbHandle,
  prefix: string,
  meterCount: number,
  fromMs: number,
  days: number,
): Promise<{ rows: number; seconds: number }> {
  const sender = await Sender.fromConfig(
    `http::addr=127.0.0.1:${qdb.httpPort};auto_flush=off;protocol_version=2;stdlib_http=on;request_timeout=600000;retry_timeout=0;`,
    { log: () => {} },
  );
  const steps = (days * 86_400_000) / STEP_MS;
  const values = new Float64Array(meterCount).map((_, m) => 1000 + m * 10);
  const started = performance.now();
  let rows = 0;
  let pending = 0;
  for (let step = 0; step < steps; step++) {
    const tsMs = fromMs + step * STEP_MS;
    const sinceStart = step * STEP_MS;
    const us = BigInt(tsMs) * 1000n;
    for (let m = 0; m < meterCount; m++) {
      // Faults: every 200th meter reports a restart's zero once; every 500th misses 6 hours.
      // (At the same instants whatever the interval: 1 000 and 1 500 quarter-hours after the start.)
      if (m % 500 === 3 && sinceStart >= 1500 * QUARTER_MS && sinceStart < 1524 * QUARTER_MS) continue;
      values[m] = (values[m] as number) + increment(m, tsMs) * (STEP_MS / QUARTER_MS);
      const value = m % 200 === 7 && sinceStart === 1000 * QUARTER_MS ? 0 : (values[m] as number);
      sender
        .table('readings')
        .symbol('meter_id', meterIdOf(prefix, m))
        .symbol('quality', 'ok')
        .floatColumn('value', value)
        .intColumn('seq', step);
      sender.timestampColumn('received_at', us, 'us');
      await sender.at(us, 'us');
      rows++;
      if (++pending >= BATCH_ROWS) {
        await sender.flush();
        pending = 0;
      }
    }
    if ((step + 1) % (86_400_000 / STEP_MS) === 0)
      log(
        `  ${prefix}: day ${((step + 1) * STEP_MS) / 86_400_000}/${days}, ${rows.toLocaleString('en')} rows, ${(rows / ((performance.now() - started) / 1000)).toFixed(0)} rows/s`,
      );
  }
  await sender.flush();
  await sender.close();
  return { rows, seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------
// Measurements

interface Timing {
  readonly ms: number;
  readonly storeMs?: number;
  readonly engineMs?: number;
  readonly stats?: unknown;
}

async function timeReport(
  query: ReturnType<typeof createCarbonReportQuery>,
  orgId: string,
  period: string,
): Promise<{ timing: Timing; input: CarbonReportInput; kgce: number }> {
  const started = performance.now();
  const run = await query({ orgId, period, basis: 'equivalent' });
  const ms = performance.now() - started;
  const engineStarted = performance.now();
  buildCarbonReport(run.input);
  const engineMs = performance.now() - engineStarted;
  return {
    timing: { ms, storeMs: ms - engineMs, engineMs, stats: run.stats },
    input: run.input,
    kgce: run.report.totals.kgce,
  };
}

/** Every raw reading of the period into Node, computeConsumption per meter, then the same engine. */
async function naiveReport(
  store: AccountingStore,
  input: CarbonReportInput,
  specs: readonly MeterSpec[],
  concurrency: number,
): Promise<{ timing: Timing; figures: Map<string, MeterPeriodFigures>; rows: number; kgce: number }> {
  const { fromMs, toMs } = input.period;
  const started = performance.now();
  const figures = new Map<string, MeterPeriodFigures>();
  let rows = 0;
  let next = 0;
  const edges = await store.edgeReadings({
    meterIds: specs.map((s) => s.id),
    beforeMs: fromMs,
    afterMs: toMs,
    windowMs: EDGE_WINDOW_MS,
  });
  const worker = async () => {
    while (next < specs.length) {
      const spec = specs[next++] as MeterSpec;
      const raw = await store.readings({ meterId: spec.id, fromMs, toMs, limit: 10_000_000 });
      rows += raw.length;
      const before = edges.before.get(spec.id);
      const after = edges.after.get(spec.id);
      const readings = [...(before ? [before] : []), ...raw, ...(after ? [after] : [])].map((r) => ({
        tsMs: r.tsMs,
        value: r.value,
      }));
      const bucket = computeConsumption(spec, readings, [fromMs, toMs]).buckets[0];
      if (bucket === undefined) continue;
      figures.set(spec.id, periodFigures(spec.id, bucket));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const storeMs = performance.now() - started;
  const engineStarted = performance.now();
  const result = buildCarbonReport({ ...input, current: figures });
  const engineMs = performance.now() - engineStarted;
  const kgce = 'ok' in result ? result.ok.totals.kgce : Number.NaN;
  return { timing: { ms: performance.now() - started, storeMs, engineMs }, figures, rows, kgce };
}

/** Largest relative difference of the per-meter figures between two runs (the reduction must equal the raw computation). */
function maxDifference(
  a: ReadonlyMap<string, MeterPeriodFigures>,
  b: ReadonlyMap<string, MeterPeriodFigures>,
): { consumption: number; counts: number; meters: number } {
  let consumption = 0;
  let counts = 0;
  for (const [id, x] of a) {
    const y = b.get(id);
    if (y === undefined) {
      counts = Number.POSITIVE_INFINITY;
      continue;
    }
    consumption = Math.max(
      consumption,
      Math.abs(x.consumption - y.consumption) / Math.max(1, Math.abs(y.consumption)),
      Math.abs(x.quarantinedAmount - y.quarantinedAmount) / Math.max(1, Math.abs(y.quarantinedAmount)),
    );
    counts = Math.max(counts, Math.abs(x.receivedReadings - y.receivedReadings), Math.abs(x.reviews - y.reviews));
  }
  return { consumption, counts, meters: a.size };
}

/**
 * QuestDB's peak RSS from now on: the kernel's high-water mark is reset to the current RSS
 * (clear_refs 5, allowed on one's own processes), then read. MiB; null if QuestDB's pid is not found.
 */
function questDbPeak(qdb: QuestDbHandle): { read(): number | null } {
  let pid: number | undefined;
  try {
    pid = findPid(qdb.dataDir);
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    pid = undefined;
  }
  return { read: () => (pid === undefined ? null : round(memoryBytes(pid).peakRss / 2 ** 20)) };
}

const median = (xs: readonly number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round = (x: number) => Math.round(x * 10) / 10;

async function main() {
  const fleet = benchFleet();
  const view = createFleetView(fleet);
  const catalogue = readFactorCatalogue();
  log(
    `QuestDB starting (heap ${flags.heap}); ${MONTH_METERS} meters × ${MONTH_DAYS} days, ${YEAR_METERS} meters × ${YEAR_DAYS} days`,
  );
  if ((flags['load-only'] || flags['no-load']) && flags.root === undefined)
    throw new Error('--load-only and --no-load need --root');
  const qdb = await startQuestDb({
    maxHeap: flags.heap,
    startTimeoutMs: 120_000,
    ...(flags.root === undefined ? {} : { rootDir: resolve(flags.root) }),
  });
  const result: Record<string, unknown> = {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: round(totalmem() / 2 ** 30),
      node: process.version,
    },
    sizes: {
      monthMeters: MONTH_METERS,
      monthDays: MONTH_DAYS,
      yearMeters: YEAR_METERS,
      yearDays: YEAR_DAYS,
      stepMinutes: STEP_MS / 60_000,
    },
  };
  try {
    const client = createQuestDbClient({ url: qdb.url, requestTimeoutMs: 600_000 });
    const writer = createQuestDbReadingStore(client);
    const store = createQuestDbAccountingStore(client, { viewTimeZones: [TZ] });
    await writer.init();
    await store.init();
    const month = periodRange(MONTH_PERIOD, TZ);
    const year = periodRange(YEAR_PERIOD, TZ);
    if (!month || !year) throw new Error('bad period');
    const loading = !flags['no-load'];
    let monthLoad = { rows: 0, seconds: 0 };
    if (MONTH_METERS > 0 && loading) {
      log('loading the month set');
      monthLoad = await load(qdb, 'm', MONTH_METERS, month.fromMs, MONTH_DAYS);
      log(`month set: ${monthLoad.rows.toLocaleString('en')} rows in ${monthLoad.seconds.toFixed(1)} s`);
    }
    let yearLoad = { rows: 0, seconds: 0 };
    if (YEAR_METERS > 0 && loading) {
      log('loading the year set');
      yearLoad = await load(qdb, 'y', YEAR_METERS, year.fromMs, YEAR_DAYS);
      log(`year set: ${yearLoad.rows.toLocaleString('en')} rows in ${yearLoad.seconds.toFixed(1)} s`);
    }
    const syncStarted = performance.now();
    await writer.sync();
    const walApplySeconds = (performance.now() - syncStarted) / 1000;
    result.load = {
      monthRows: monthLoad.rows,
      monthSeconds: round(monthLoad.seconds),
      yearRows: yearLoad.rows,
      yearSeconds: round(yearLoad.seconds),
      walApplySecondsAfterLoad: round(walApplySeconds),
    };
    log(`loaded; WAL applied ${walApplySeconds.toFixed(1)} s after the last flush`);
    if (flags['load-only']) {
      await writer.close();
      return;
    }

    const query = createCarbonReportQuery({
      store,
      fleet: view,
      catalogue,
      methodologyVersion: METHODOLOGY_VERSION,
      nowMs: () => NOW_MS,
    });
    const reports: Record<string, unknown> = {};
    result.reports = reports;
    const cases: { name: string; orgId: string; period: string; meters: number }[] = [];
    if (MONTH_METERS > 0)
      cases.push({ name: 'monthlyRegional', orgId: 'bench', period: MONTH_PERIOD, meters: MONTH_METERS });
    if (YEAR_METERS > 0) cases.push({ name: 'annual', orgId: 'bench-year', period: YEAR_PERIOD, meters: YEAR_METERS });
    // Every figure computed from the store (the figures cache off): what a period whose readings changed costs.
    const computedQuery = createCarbonReportQuery({
      store,
      fleet: view,
      catalogue,
      methodologyVersion: METHODOLOGY_VERSION,
      nowMs: () => NOW_MS,
      figuresCache: { maxMeterPeriods: 0 },
    });
    for (const c of cases) {
      // The first report after loading: the store's day aggregates (a roll-up or a view) may still
      // have to be computed for the loaded days.
      const firstPeak = questDbPeak(qdb);
      const first = await timeReport(computedQuery, c.orgId, c.period);
      const firstAfterLoadQuestDbPeakMiB = firstPeak.read();
      log(
        `${c.name}: first report after load ${first.timing.ms.toFixed(0)} ms; QuestDB peak RSS during it ${firstAfterLoadQuestDbPeakMiB} MiB`,
      );
      log(`${c.name}: restarting QuestDB for a cold run`);
      await qdb.start();
      const coldPeak = questDbPeak(qdb);
      const cold = await timeReport(computedQuery, c.orgId, c.period);
      log(
        `${c.name}: cold ${cold.timing.ms.toFixed(0)} ms (engine ${cold.timing.engineMs?.toFixed(0)} ms) ${JSON.stringify(cold.timing.stats)}`,
      );
      const computed: Timing[] = [];
      for (let i = 0; i < Number(flags.computed); i++) {
        const w = await timeReport(computedQuery, c.orgId, c.period);
        computed.push(w.timing);
        log(`${c.name}: warm, every figure computed ${w.timing.ms.toFixed(0)} ms`);
      }
      await timeReport(query, c.orgId, c.period); // fills the figures cache
      const warm: Timing[] = [];
      for (let i = 0; i < WARM_RUNS; i++) {
        const w = await timeReport(query, c.orgId, c.period);
        warm.push(w.timing);
        log(`${c.name}: warm ${w.timing.ms.toFixed(0)} ms`);
      }
      const coldAndWarmQuestDbPeakMiB = coldPeak.read();
      log(`${c.name}: QuestDB peak RSS from the restart to the last warm report ${coldAndWarmQuestDbPeakMiB} MiB`);
      const entry: Record<string, unknown> = {
        orgId: c.orgId,
        period: c.period,
        meters: c.meters,
        firstAfterLoadMs: round(first.timing.ms),
        firstAfterLoadQuestDbPeakMiB,
        coldMs: round(cold.timing.ms),
        coldEngineMs: round(cold.timing.engineMs ?? Number.NaN),
        warmComputedMs: computed.map((w) => round(w.ms)),
        warmComputedMedianMs: round(median(computed.map((w) => w.ms))),
        warmMs: warm.map((w) => round(w.ms)),
        warmMedianMs: round(median(warm.map((w) => w.ms))),
        warmMedianEngineMs: round(median(warm.map((w) => w.engineMs ?? Number.NaN))),
        coldAndWarmQuestDbPeakMiB,
        storeQueries: cold.timing.stats,
        kgce: cold.kgce,
      };
      if (!flags['skip-naive']) {
        log(`${c.name}: naive baseline (every raw row into Node)`);
        const specs = view.metersOf(view.institutionsUnder(c.orgId)?.map((i) => i.id) ?? []).map(meterSpec);
        const naive = await naiveReport(store, cold.input, specs, Number(flags['naive-concurrency']));
        const diff = maxDifference(cold.input.current, naive.figures);
        log(
          `${c.name}: naive ${naive.timing.ms.toFixed(0)} ms for ${naive.rows.toLocaleString('en')} rows; max rel. difference ${diff.consumption}, counts ${diff.counts}`,
        );
        Object.assign(entry, {
          naiveMs: round(naive.timing.ms),
          naiveRows: naive.rows,
          naiveKgce: naive.kgce,
          speedupWarm: round(naive.timing.ms / median(warm.map((w) => w.ms))),
          speedupCold: round(naive.timing.ms / cold.timing.ms),
          maxRelativeDifference: diff.consumption,
          maxCountDifference: diff.counts,
        });
      }
      reports[c.name] = entry;
      writeResults(result);
    }
    let javaPid: number | undefined;
    try {
      javaPid = findPid(qdb.dataDir);
    } catch {
      javaPid = undefined;
    }
    result.peakRss = {
      case: ONLY ?? 'both',
      nodeMiB: round(process.resourceUsage().maxRSS / 1024),
      questdbMiB: javaPid === undefined ? null : round(memoryBytes(javaPid).peakRss / 2 ** 20),
      note: 'QuestDB peak since its last restart (the cold run of the last case); Node peak over the whole run, loading included',
    };
    await writer.close();
  } finally {
    await qdb.dispose();
  }
  writeResults(result);
  console.log(JSON.stringify(result, null, 2));
  log(`written ${flags.out}`);
}

/**
 * Writes the results so far (a crash later keeps what was measured). With --only,
 * the case's figures are merged into the file's, so two runs of under fifteen
 * minutes each make one report.json.
 */
function writeResults(result: Record<string, unknown>): void {
  mkdirSync(dirname(flags.out), { recursive: true });
  let merged = result;
  if (ONLY !== undefined) {
    const previous = (existsSync(flags.out) ? JSON.parse(readFileSync(flags.out, 'utf8')) : {}) as Record<
      string,
      Record<string, unknown> | undefined
    >;
    const key = ONLY === 'monthly' ? 'monthly' : 'annual';
    merged = {
      ...previous,
      machine: result.machine,
      reports: { ...previous.reports, ...(result.reports as Record<string, unknown>) },
      sizes: { ...previous.sizes, [key]: result.sizes },
      load: { ...previous.load, [key]: result.load },
      peakRss: { ...previous.peakRss, [key]: result.peakRss },
    };
  }
  writeFileSync(flags.out, JSON.stringify(merged, null, 2) + '\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
