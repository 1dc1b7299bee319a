import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbAccountingStore, createFleetView } from '../accounting/index.js';
import { fleetSchema } from '../config/index.js';
import { createDuckDbReadingStore, type ReadingStore } from '../ingest/index.js';
import { HOUR_MS, MINUTE_MS, type QuarantineRecord, type Reading } from '../src/kernel/index.js';
import { createDuckDbClient, type DuckDbClient } from '../src/platform/duckdb/index.js';
import type { RuleFinding } from './core/alert-types.js';
import { createMeterHealthRules, type MeterHealthRules } from './meter-health-rules.js';
import { healthSettingsSchema } from './settings/health-settings.js';

// The meter-health family over a real in-memory DuckDB, through the real ingest and
// accounting adapters: readings written with the ingest store, findings evaluated.

/** 12:00 in Shanghai. */
const ASOF = Date.UTC(2026, 9, 10, 4);
const STEP = 15 * MINUTE_MS;
const FROM = ASOF - 4 * 24 * HOUR_MS;

const meter = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  building: 'b1',
  carrier: 'electricity',
  unit: 'kWh',
  ...extra,
});
const fleet = fleetSchema.parse({
  orgs: [{ id: 'nx', name: '宁夏', level: 'region' }],
  institutions: [
    {
      id: 'inst1',
      name: '测试单位',
      org: 'nx',
      type: 'government_office',
      floorAreaM2: [{ from: '2020-01-01', value: 10000 }],
      occupants: [{ from: '2020-01-01', value: 500 }],
    },
  ],
  buildings: [{ id: 'b1', institution: 'inst1', name: '主楼' }],
  meters: [
    // A balanced tree whose child c1 stops counting 8 h before asOf while c2 goes on.
    meter('p'),
    meter('c1', { parent: 'p' }),
    meter('c2', { parent: 'p' }),
    // A tree whose only child measures 80 % of its parent: an imbalance.
    meter('p2'),
    meter('c3', { parent: 'p2' }),
    // An empty building: a parent and its children all flat for 8 h.
    meter('p3'),
    meter('c4', { parent: 'p3' }),
    meter('c5', { parent: 'p3' }),
    meter('off'),
    meter('skew'),
    meter('late'),
    meter('quar'),
    meter('jump', { ratedMaxPerHour: 100 }),
  ],
});

interface SeriesOptions {
  readonly perStep: number;
  /** The register stops moving from here on. */
  readonly flatFromMs?: number;
  readonly untilMs?: number;
  /** Arrival time of a reading: device time + this (negative: the device clock is ahead). */
  readonly receivedOffsetMs?: number;
  readonly receivedAtMs?: number;
  readonly skipSeq?: readonly number[];
  readonly jumpAtMs?: number;
}

function series(meterId: string, o: SeriesOptions): Reading[] {
  const out: Reading[] = [];
  let value = 1000;
  let seq = 0;
  for (let tsMs = FROM; tsMs < (o.untilMs ?? ASOF); tsMs += STEP, seq++) {
    if (o.flatFromMs === undefined || tsMs <= o.flatFromMs) value += o.perStep;
    if (tsMs === o.jumpAtMs) value += 10_000;
    if (o.skipSeq?.includes(seq)) continue;
    out.push({
      meterId,
      tsMs,
      value,
      seq,
      receivedAtMs: o.receivedAtMs ?? tsMs + (o.receivedOffsetMs ?? 500),
      quality: 'ok',
    });
  }
  return out;
}

const quarantined = (meterId: string, n: number, reason: QuarantineRecord['reason']): QuarantineRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${meterId}-${reason}-${i}`,
    receivedAtMs: ASOF - (i + 1) * HOUR_MS,
    topic: `meters/${meterId}/readings`,
    meterId,
    reason,
    detail: reason,
    payload: '{}',
  }));

const FLAT_FROM = ASOF - 8 * HOUR_MS;
let client: DuckDbClient;
let store: ReadingStore;
let rules: MeterHealthRules;
let findings: readonly RuleFinding[];

beforeAll(async () => {
  client = createDuckDbClient({ path: ':memory:' });
  store = createDuckDbReadingStore(client);
  await store.init();
  const accountingStore = createDuckDbAccountingStore(client);
  await accountingStore.init();
  const view = createFleetView(fleet);
  rules = createMeterHealthRules(
    { fleet: view, readings: store, accounting: accountingStore },
    healthSettingsSchema.parse({}),
  );
  await store.write(
    [
      ...series('p', { perStep: 3 }),
      ...series('c1', { perStep: 1, flatFromMs: FLAT_FROM }),
      ...series('c2', { perStep: 2, skipSeq: [370, 371] }),
      ...series('p2', { perStep: 5 }),
      ...series('c3', { perStep: 4 }),
      ...series('p3', { perStep: 3, flatFromMs: FLAT_FROM }),
      ...series('c4', { perStep: 1, flatFromMs: FLAT_FROM }),
      ...series('c5', { perStep: 2, flatFromMs: FLAT_FROM }),
      ...series('off', { perStep: 1, untilMs: ASOF - 5 * HOUR_MS }),
      ...series('skew', { perStep: 1, receivedOffsetMs: -15 * MINUTE_MS }),
      // A backfill delivered all at once just before asOf: late, not skewed.
      ...series('late', { perStep: 1, receivedAtMs: ASOF - 1000 }),
      ...series('quar', { perStep: 1 }),
      ...series('jump', { perStep: 1, jumpAtMs: ASOF - 3 * HOUR_MS }),
    ],
    [...quarantined('quar', 10, 'negative_register'), ...quarantined('skew', 1, 'future_timestamp')],
  );
  await store.sync();
  findings = await rules.evaluate(ASOF);
}, 120_000);

afterAll(async () => {
  await store.close();
  await client.close();
});

const verdictOf = (rule: RuleFinding['rule'], meterId: string, list: readonly RuleFinding[] = findings) =>
  list.find((f) => f.rule === rule && f.subject.id === meterId)?.verdict;

describe('createMeterHealthRules over DuckDB', () => {
  it('judges every meter with every rule that applies to it', () => {
    expect(rules.rules).toHaveLength(7);
    const perMeter = (id: string) => findings.filter((f) => f.subject.id === id).map((f) => f.rule);
    expect(perMeter('p')).toEqual([
      'meter_offline',
      'stuck_register',
      'held_readings',
      'sequence_gap',
      'clock_skew',
      'submeter_imbalance',
      'quarantine_rate',
    ]);
    expect(perMeter('c2')).not.toContain('submeter_imbalance');
    for (const f of findings) {
      expect(f.summary.en.length).toBeGreaterThan(0);
      expect(f.summary.zh.length).toBeGreaterThan(0);
    }
  });

  it('meter_offline: raises for the silent meter only', () => {
    const off = findings.find((f) => f.rule === 'meter_offline' && f.subject.id === 'off');
    expect(off).toMatchObject({ verdict: 'raise', window: new Date(ASOF - 5 * HOUR_MS - STEP).toISOString() });
    for (const id of ['p', 'c1', 'c2', 'skew', 'late', 'quar']) expect(verdictOf('meter_offline', id)).toBe('clear');
  });

  it('stuck_register: a flat register whose sibling moves is stuck; an empty building is not', () => {
    expect(verdictOf('stuck_register', 'c1')).toBe('raise');
    expect(verdictOf('stuck_register', 'c2')).toBe('clear');
    expect(verdictOf('stuck_register', 'c4')).toBe('hold');
    expect(verdictOf('stuck_register', 'p3')).toBe('hold');
  });

  it('held_readings: the top of an implausible jump, with its reason', () => {
    const jump = findings.find((f) => f.rule === 'held_readings' && f.subject.id === 'jump');
    expect(jump?.verdict).toBe('raise');
    expect(jump?.details.readings).toEqual([
      expect.objectContaining({ ts: new Date(ASOF - 3 * HOUR_MS).toISOString(), reason: 'implausible_jump' }),
    ]);
    expect(verdictOf('held_readings', 'p')).toBe('clear');
  });

  it('sequence_gap: the two skipped numbers of c2', () => {
    const gap = findings.find((f) => f.rule === 'sequence_gap' && f.subject.id === 'c2');
    expect(gap).toMatchObject({ verdict: 'raise', measured: { value: 2 } });
    expect(verdictOf('sequence_gap', 'c1')).toBe('clear');
  });

  it('clock_skew: a device clock ahead raises; a backfill delivered late does not', () => {
    const skew = findings.find((f) => f.rule === 'clock_skew' && f.subject.id === 'skew');
    expect(skew).toMatchObject({ verdict: 'raise', details: { futureQuarantined: 1, maxAheadMinutes: 15 } });
    expect(verdictOf('clock_skew', 'late')).toBe('clear');
  });

  it('submeter_imbalance: 20 % unmetered raises, a balanced tree clears', () => {
    const p2 = findings.find((f) => f.rule === 'submeter_imbalance' && f.subject.id === 'p2');
    expect(p2?.verdict).toBe('raise');
    expect(p2?.details.unmeteredPercent).toBeCloseTo(20, 0);
    expect(p2?.window).toMatch(/^2026-10-0\d$/);
    expect(verdictOf('submeter_imbalance', 'p')).toBe('clear');
  });

  it('quarantine_rate: ten quarantined against a day of readings', () => {
    const quar = findings.find((f) => f.rule === 'quarantine_rate' && f.subject.id === 'quar');
    expect(quar?.verdict).toBe('raise');
    expect(quar?.measured.value).toBeCloseTo((10 / 106) * 100, 1);
    expect(verdictOf('quarantine_rate', 'p')).toBe('clear');
  });

  it('as of an earlier instant it sees only what was there then (the backtest)', async () => {
    const earlier = await rules.evaluateMeter('off', ASOF - 6 * HOUR_MS);
    expect(verdictOf('meter_offline', 'off', earlier)).toBe('clear');
    const beforeJump = await rules.evaluateMeter('jump', ASOF - 4 * HOUR_MS);
    expect(verdictOf('held_readings', 'jump', beforeJump)).toBe('clear');
    expect(await rules.evaluateMeter('nope', ASOF)).toEqual([]);
  });

  it("evaluateMeters: each meter gets exactly evaluateMeter's findings, an unknown id none", async () => {
    const ids = ['p', 'off', 'nope', 'quar'];
    const batch = await rules.evaluateMeters(ids, ASOF);
    expect([...batch.keys()]).toEqual(ids);
    for (const id of ids) expect(batch.get(id)).toEqual(await rules.evaluateMeter(id, ASOF));
    expect(batch.get('off')?.some((f) => f.rule === 'meter_offline' && f.verdict === 'raise')).toBe(true);
    expect(batch.get('nope')).toEqual([]);
  }, 120_000);
});

describe('the live meter_offline family', () => {
  const offlineOf = (list: readonly RuleFinding[]) => list.filter((f) => f.rule === 'meter_offline');

  it("gives the full pass's meter_offline finding of each silent meter, and of a silent meter that reports again", async () => {
    const lastOff = ASOF - 5 * HOUR_MS - STEP;
    const instants = [ASOF - 5 * HOUR_MS + 10 * MINUTE_MS, ASOF - 4 * HOUR_MS - 30 * MINUTE_MS, ASOF];
    // In time order, as the live job runs them (the family remembers which meters it saw silent).
    const live: (readonly RuleFinding[])[] = [];
    for (const t of instants) live.push(await rules.live.evaluate(t));
    expect(rules.live.rules).toEqual(['meter_offline']);
    // Reporting (25 min of silence): nothing; late: a hold; offline: the raise.
    expect(live.map((list) => list.map((f) => [f.subject.id, f.verdict]))).toEqual([
      [],
      [['off', 'hold']],
      [['off', 'raise']],
    ]);
    for (const [i, t] of instants.entries()) {
      const full = offlineOf(await rules.evaluate(t));
      const ids = new Set(live[i]?.map((f) => f.subject.id));
      expect(live[i]).toEqual(full.filter((f) => ids.has(f.subject.id)));
    }
    expect(live[2]?.[0]?.sinceMs).toBe(lastOff);

    // 'off' reports again after asOf: the live family clears it as the full pass does (naming the silence).
    await store.write(
      series('off', { perStep: 1 })
        .filter((r) => r.tsMs === ASOF - STEP)
        .map((r) => ({ ...r, tsMs: ASOF + 5 * MINUTE_MS })),
      [],
    );
    await store.sync();
    const later = ASOF + 10 * MINUTE_MS;
    const cleared = await rules.live.evaluate(later);
    expect(cleared.map((f) => [f.subject.id, f.verdict])).toEqual([['off', 'clear']]);
    expect(cleared).toEqual(offlineOf(await rules.evaluate(later)).filter((f) => f.subject.id === 'off'));
    expect(await rules.live.evaluate(later + MINUTE_MS)).toEqual([]);
  }, 120_000);
});

describe('the lookback readings kept between evaluations (docs/alerts.md, "Evaluation cost")', () => {
  it('reads only what is new, reads a meter again in full after a late reading, and judges as a fresh family', async () => {
    const settings = healthSettingsSchema.parse({});
    const accounting = createDuckDbAccountingStore(client);
    const view = createFleetView(fleet);
    const asked: { ids: readonly string[]; fromMs: number }[] = [];
    const counted = {
      quarantine: store.quarantine.bind(store),
      readingsOfMeters: (q: Parameters<ReadingStore['readingsOfMeters']>[0]) => {
        asked.push({ ids: q.meterIds, fromMs: q.fromMs });
        return store.readingsOfMeters(q);
      },
    };
    const kept = createMeterHealthRules({ fleet: view, readings: counted, accounting }, settings);
    const fresh = () => createMeterHealthRules({ fleet: view, readings: store, accounting }, settings);
    await kept.evaluate(ASOF);
    const lookbackFrom = asked[0]?.fromMs;

    const t1 = ASOF + 15 * MINUTE_MS;
    asked.length = 0;
    expect(await kept.evaluate(t1)).toEqual(await fresh().evaluate(t1));
    // Every meter unchanged: only [ASOF, t1) is read.
    expect(asked).toEqual([{ ids: expect.arrayContaining(['p', 'c3']), fromMs: ASOF }]);

    // A late reading of c3 inside the kept range: c3 alone is read again from the lookback's start.
    const late = ASOF - 2 * HOUR_MS + 7 * MINUTE_MS;
    const before = series('c3', { perStep: 4 }).find((r) => r.tsMs === ASOF - 2 * HOUR_MS) as Reading;
    await store.write([{ ...before, tsMs: late, value: before.value + 1, seq: null, receivedAtMs: t1 }], []);
    await store.sync();
    const t2 = t1 + 15 * MINUTE_MS;
    asked.length = 0;
    expect(await kept.evaluate(t2)).toEqual(await fresh().evaluate(t2));
    expect(asked).toContainEqual({ ids: ['c3'], fromMs: lookbackFrom });
    expect(asked).toContainEqual({ ids: expect.not.arrayContaining(['c3']), fromMs: t1 });
  }, 120_000);
});
