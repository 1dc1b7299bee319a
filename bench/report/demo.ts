/**
 * The embedded demo's reports (issue 11 §4): the demo fleet (config/demo.yaml, 58 meters) with the
 * simulator's backfill (the same generator, seed, faults, register origin and 15-minute interval as
 * `npm start`) written into a DuckDB file through ingest's DuckDB store, then the carbon report use
 * case (accounting/carbon-report-query.ts) timed on it: the region's monthly report, the three
 * monthly reports the dashboard's consumption view asks at once, and the annual report, each with every
 * figure computed and with the period figures' fingerprint cache (the default, warm). Per case the
 * time each store query took (the store's methods wrapped; DuckDB runs one statement at a time on its
 * one connection, so the sum is the store's share) and the rest (Node: consumption core, engine).
 * Reports; never asserts.
 *
 *   npx tsx bench/report/demo.ts [--db /tmp/tanhe-demo-bench.duckdb] [--days 60] [--runs 5] [--now ISO]
 *     [--only monthly|dashboard|annual] [--out FILE]
 *
 * The file is reused when it already holds the backfill (delete it to load again). `--now` pins the
 * instant the backfill ends and the reports are asked at (default: now), so two runs compare.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createCarbonReportQuery,
  createDuckDbAccountingStore,
  createFleetView,
  METHODOLOGY_VERSION,
  type AccountingStore,
  type CarbonReportRun,
} from '../../accounting/index.js';
import { readFactorCatalogue } from '../../config/index.js';
import { createDuckDbReadingStore } from '../../ingest/index.js';
import { DAY_MS, MINUTE_MS, type Reading } from '../../src/kernel/index.js';
import { loadAppConfig } from '../../src/load-app-config.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { DEMO_REGISTER_ORIGIN_MS, faultsFor, generateReadings } from '../../src/simulator/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');

const { values: flags } = parseArgs({
  options: {
    db: { type: 'string', default: '/tmp/tanhe-demo-bench.duckdb' },
    days: { type: 'string', default: '60' },
    runs: { type: 'string', default: '5' },
    now: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string', default: join(REPO_ROOT, 'bench', 'results', 'report-demo.json') },
  },
});
const RUNS = Number(flags.runs);
const NOW_MS = flags.now === undefined ? Date.now() : Date.parse(flags.now);
const MAX_FUTURE_SKEW_MS = 5 * MINUTE_MS;

const config = loadAppConfig(join(REPO_ROOT, 'config', 'demo.yaml'), {});
const catalogue = readFactorCatalogue(config);
const client = createDuckDbClient({ path: flags.db });
const readingStore = createDuckDbReadingStore(client);
await readingStore.init();

async function loadBackfill(): Promise<number> {
  const { readings } = await readingStore.counts();
  if (readings > 0) return readings;
  const started = performance.now();
  let batch: Reading[] = [];
  let written = 0;
  for (const event of generateReadings({
    fleet: config.fleet,
    seed: config.simulator.seed,
    fromMs: NOW_MS - Number(flags.days) * DAY_MS,
    toMs: NOW_MS,
    intervalMs: config.simulator.backfillIntervalMinutes * MINUTE_MS,
    registerOriginMs: DEMO_REGISTER_ORIGIN_MS,
    skewBaseMs: NOW_MS,
    faults: faultsFor(config.simulator.faults),
  })) {
    // Malformed payloads are quarantined by ingest, and so are clock-skewed stamps in the future.
    if (event.kind !== 'reading' || event.tsMs > NOW_MS + MAX_FUTURE_SKEW_MS) continue;
    batch.push({
      meterId: event.meterId,
      tsMs: event.tsMs,
      value: event.value,
      seq: event.seq,
      receivedAtMs: Math.max(event.trueTsMs, event.tsMs),
      quality: 'ok',
    });
    if (batch.length >= 5000) {
      await readingStore.write(batch, []);
      written += batch.length;
      batch = [];
    }
  }
  await readingStore.write(batch, []);
  written += batch.length;
  console.log(`loaded ${written} readings in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return (await readingStore.counts()).readings;
}

/** The store with every method timed: per report, what each query cost. */
function timedStore(inner: AccountingStore, log: { method: string; ms: number }[]): AccountingStore {
  const wrap =
    <A extends unknown[], R>(method: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = performance.now();
      try {
        return await call(...args);
      } finally {
        log.push({ method, ms: performance.now() - started });
      }
    };
  return {
    registerSegments: wrap('registerSegments', (q) => inner.registerSegments(q)),
    edgeReadings: wrap('edgeReadings', (q) => inner.edgeReadings(q)),
    readings: wrap('readings', (q) => inner.readings(q)),
    ...(inner.readingsBatch === undefined
      ? {}
      : {
          readingsBatch: wrap('readingsBatch', (qs) =>
            (inner.readingsBatch as NonNullable<typeof inner.readingsBatch>)(qs),
          ),
        }),
    meterSummaries: wrap('meterSummaries', () => inner.meterSummaries()),
    readingFingerprints: wrap('readingFingerprints', (q) => inner.readingFingerprints(q)),
  };
}

const rows = await loadBackfill();
const accounting = createDuckDbAccountingStore(client);
await accounting.init();
const queryLog: { method: string; ms: number }[] = [];
const store = timedStore(accounting, queryLog);
const fleet = createFleetView(config.fleet);
const deps = { store, fleet, catalogue, methodologyVersion: METHODOLOGY_VERSION, nowMs: () => NOW_MS };
// Every figure computed (the fingerprint cache off), and the service's default (on, warm).
const variants = {
  computed: createCarbonReportQuery({ ...deps, figuresCache: { maxMeterPeriods: 0 } }),
  cached: createCarbonReportQuery(deps),
};

const monthLabel = (offset: number): string => {
  const local = new Date(NOW_MS + 8 * 3_600_000);
  const d = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + offset, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
};
const region = config.fleet.orgs.find((o) => o.parent === undefined)?.id ?? 'nx';
const year = monthLabel(0).slice(0, 4);
const cases: { name: string; periods: string[] }[] = [
  { name: `monthly ${region} ${monthLabel(-1)}`, periods: [monthLabel(-1)] },
  { name: `dashboard: 3 monthly at once`, periods: [monthLabel(-2), monthLabel(-1), monthLabel(0)] },
  { name: `annual ${region} ${year}`, periods: [year] },
];

interface CaseResult {
  name: string;
  variant: keyof typeof variants;
  medianMs: number;
  samplesMs: number[];
  storeMsByMethod: Record<string, { calls: number; ms: number }>;
  storeMs: number;
  /** sha256 of each report's JSON (the instant is pinned): equal digests, identical reports. */
  digests: string[];
}

const results: CaseResult[] = [];
for (const c of cases.filter((k) => flags.only === undefined || k.name.startsWith(flags.only)))
  for (const [variant, carbonReport] of Object.entries(variants) as [keyof typeof variants, typeof variants.cached][]) {
    const samplesMs: number[] = [];
    let lastLog: { method: string; ms: number }[] = [];
    let runs: CarbonReportRun[] = [];
    for (let i = 0; i < RUNS + 1; i++) {
      queryLog.length = 0;
      const started = performance.now();
      runs = await Promise.all(c.periods.map((period) => carbonReport({ orgId: region, period, basis: 'equivalent' })));
      // Serialised as the HTTP route does.
      for (const run of runs) JSON.stringify(run.report);
      const elapsed = performance.now() - started;
      // The first run warms DuckDB's and V8's caches: the medians are warm.
      if (i > 0) samplesMs.push(elapsed);
      lastLog = [...queryLog];
    }
    const storeMsByMethod: Record<string, { calls: number; ms: number }> = {};
    for (const q of lastLog) {
      const entry = (storeMsByMethod[q.method] ??= { calls: 0, ms: 0 });
      entry.calls++;
      entry.ms += q.ms;
    }
    const sorted = [...samplesMs].sort((a, b) => a - b);
    results.push({
      name: c.name,
      variant,
      medianMs: sorted[Math.floor(sorted.length / 2)] ?? NaN,
      samplesMs: samplesMs.map((ms) => Math.round(ms)),
      storeMsByMethod,
      storeMs: lastLog.reduce((sum, q) => sum + q.ms, 0),
      digests: runs.map((r) => createHash('sha256').update(JSON.stringify(r.report)).digest('hex').slice(0, 16)),
    });
  }
await client.close();

const load = loadavg().map((l) => l.toFixed(2));
console.log(
  `demo fleet: ${config.fleet.meters.length} meters, ${rows} readings, now ${new Date(NOW_MS).toISOString()}`,
);
console.log(`load average ${load.join(' ')}; warm medians of ${RUNS}`);
for (const r of results) {
  const methods = Object.entries(r.storeMsByMethod)
    .map(([m, s]) => `${m} ${s.calls}× ${s.ms.toFixed(0)} ms`)
    .join(', ');
  console.log(
    `${r.name}, ${r.variant}: ${r.medianMs.toFixed(0)} ms (store, last run: ${methods}) digests ${r.digests.join(' ')}`,
  );
}
mkdirSync(dirname(flags.out), { recursive: true });
writeFileSync(
  flags.out,
  JSON.stringify(
    { at: new Date().toISOString(), nowMs: NOW_MS, meters: config.fleet.meters.length, rows, load, results },
    null,
    2,
  ),
);
if (!existsSync(flags.out)) throw new Error(`could not write ${flags.out}`);
