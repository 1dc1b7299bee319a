/**
 * The pure report engine alone (no QuestDB): buildCarbonReport over the bench's
 * monthly regional fleet (region → 10 cities → 100 counties → 1 000 institutions
 * → 10 electricity meters each), with synthetic period figures for this month and
 * the same month last year. Prints the median of --runs after --warmup runs.
 *
 *   npx tsx bench/report/engine-profile.ts [--meters 10000] [--runs 7] [--warmup 3]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/report/engine-profile.ts
 */
import { parseArgs } from 'node:util';
import {
  buildCarbonReport,
  METHODOLOGY_VERSION,
  type CarbonReportInput,
  type MeterPeriodFigures,
  type ReportInstitution,
  type ReportMeter,
  type ReportOrg,
} from '../../accounting/index.js';
import { periodRange } from '../../src/kernel/index.js';
import { readFactorCatalogue } from '../../config/factor-catalogue-schema.js';

const { values: flags } = parseArgs({
  options: {
    meters: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '7' },
    warmup: { type: 'string', default: '3' },
  },
});
const METERS = Number(flags.meters);
const TZ = 'Asia/Shanghai';

function engineInput(): CarbonReportInput {
  const orgs: ReportOrg[] = [{ id: 'bench', name: 'bench region', level: 'region', parentId: null }];
  const institutions: ReportInstitution[] = [];
  const meters: ReportMeter[] = [];
  const institutionCount = Math.ceil(METERS / 10);
  for (let i = 0; i < institutionCount; i++) {
    const city = `bench-c${Math.floor(i / 100)}`;
    const county = `${city}-k${Math.floor(i / 10) % 10}`;
    if (i % 100 === 0) orgs.push({ id: city, name: city, level: 'city', parentId: 'bench' });
    if (i % 10 === 0) orgs.push({ id: county, name: county, level: 'county', parentId: city });
    const id = `mi${String(i).padStart(4, '0')}`;
    institutions.push({
      id,
      name: id,
      orgId: county,
      type: 'government_office',
      timeZone: TZ,
      gridRegion: 'northwest',
      floorAreaM2: [{ from: '2020-01-01', value: 10_000 }],
      occupants: [{ from: '2020-01-01', value: 400 }],
    });
  }
  for (let m = 0; m < METERS; m++)
    meters.push({
      id: `m${String(m).padStart(5, '0')}`,
      institutionId: `mi${String(Math.floor(m / 10)).padStart(4, '0')}`,
      carrier: 'electricity',
      unit: 'kWh',
    });
  const figures = (scale: number) =>
    new Map<string, MeterPeriodFigures>(
      meters.map((meter, m) => [
        meter.id,
        {
          meterId: meter.id,
          consumption: (1000 + (m % 97) * 13.7) * scale,
          estimatedAmount: m % 200 === 0 ? 1.5 : 0,
          quarantinedAmount: 0,
          receivedReadings: m % 500 === 0 ? 2856 : 2880,
          expectedReadings: 2880,
          reviews: 0,
        },
      ]),
    );
  const range = periodRange('2026-11', TZ);
  if (range === undefined) throw new Error('bad period');
  return {
    orgId: 'bench',
    period: { label: '2026-11', fromMs: range.fromMs, toMs: range.toMs, timeZone: TZ },
    basis: 'equivalent',
    generatedAtMs: Date.parse('2026-12-15T00:00:00+08:00'),
    dataCutoffMs: range.toMs,
    orgs,
    institutions,
    meters,
    current: figures(1),
    previousYear: figures(1.05),
    catalogue: readFactorCatalogue(),
    methodologyVersion: METHODOLOGY_VERSION,
  };
}

const input = engineInput();
const times: number[] = [];
let kgce = 0;
for (let i = 0; i < Number(flags.warmup) + Number(flags.runs); i++) {
  const started = performance.now();
  const result = buildCarbonReport(input);
  const ms = performance.now() - started;
  if ('error' in result) throw new Error(`${result.error.code}: ${result.error.message}`);
  kgce = result.ok.totals.kgce;
  if (i >= Number(flags.warmup)) times.push(ms);
  else console.log(`warm-up ${i + 1}: ${ms.toFixed(1)} ms`);
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    meters: METERS,
    institutions: input.institutions.length,
    runs: times.length,
    medianMs: Number((times[Math.floor(times.length / 2)] ?? 0).toFixed(1)),
    minMs: Number((times[0] ?? 0).toFixed(1)),
    maxMs: Number((times[times.length - 1] ?? 0).toFixed(1)),
    kgce,
  }),
);
