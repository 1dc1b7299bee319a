import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../load-app-config.js';
import { DAY_MS, HOUR_MS } from '../../kernel/index.js';
import { faultsFor, type FaultConfig, type FaultKind } from './faults.js';
import { localParts } from '../../kernel/index.js';
import {
  createSimulation,
  generateReadings,
  type GenerateOptions,
  type SimEvent,
  type SimReading,
} from './simulation.js';

const fleet = loadAppConfig('config/demo.yaml', {}).fleet;
const meterOf = (id: string) => {
  const m = fleet.meters.find((x) => x.id === id);
  if (!m) throw new Error(id);
  return m;
};
const TZ = 'Asia/Shanghai';
const at = (iso: string) => Date.parse(iso);

function run(fromIso: string, toIso: string, extra: Partial<GenerateOptions> = {}): SimEvent[] {
  return [...generateReadings({ fleet, seed: 42, fromMs: at(fromIso), toMs: at(toIso), ...extra })];
}
const byMeter = new WeakMap<readonly SimEvent[], Map<string, SimReading[]>>();
/** A meter's readings in delivery order (indexed once per run). */
function readingsOf(events: readonly SimEvent[], meterId: string): SimReading[] {
  let index = byMeter.get(events);
  if (!index) {
    index = new Map();
    for (const e of events) {
      if (e.kind !== 'reading') continue;
      const list = index.get(e.meterId) ?? [];
      list.push(e);
      index.set(e.meterId, list);
    }
    byMeter.set(events, index);
  }
  return index.get(meterId) ?? [];
}

/** Energy (after the multiplier) per interval ending at each reading, from register differences. */
function intervals(events: readonly SimEvent[], meterId: string): { endMs: number; energy: number }[] {
  const mult = meterOf(meterId).multiplier;
  const rs = readingsOf(events, meterId);
  return rs.slice(1).map((r, k) => ({ endMs: r.tsMs, energy: (r.value - (rs[k]?.value ?? 0)) * mult }));
}

const daily = new WeakMap<readonly SimEvent[], Map<string, Map<string, number>>>();
/** Energy of a local day, from register differences (interval meters: the sum of their values). */
function energyOn(events: readonly SimEvent[], meterId: string, dateKey: string): number {
  let perMeter = daily.get(events);
  if (!perMeter) daily.set(events, (perMeter = new Map()));
  let days = perMeter.get(meterId);
  if (!days) {
    days = new Map();
    const m = meterOf(meterId);
    const xs =
      m.register === 'interval'
        ? readingsOf(events, meterId).map((r) => ({ endMs: r.tsMs, energy: r.value * m.multiplier }))
        : intervals(events, meterId);
    for (const x of xs) {
      const key = localParts(x.endMs - 1, TZ).dateKey;
      days.set(key, (days.get(key) ?? 0) + x.energy);
    }
    perMeter.set(meterId, days);
  }
  return days.get(dateKey) ?? 0;
}

// One shared fault-free run of six weeks around National Day 2026, and two seasonal weeks.
const autumn = run('2026-09-24T00:00:00+08:00', '2026-11-05T00:00:00+08:00');
const summer = run('2026-07-06T00:00:00+08:00', '2026-07-13T00:00:00+08:00');
const winter = run('2026-01-05T00:00:00+08:00', '2026-01-12T00:00:00+08:00');

describe('determinism', () => {
  it('gives the same events for the same seed and different ones for another seed', () => {
    const opts = { fromIso: '2026-03-01T00:00:00Z', toIso: '2026-03-03T00:00:00Z' };
    const faults = faultsFor(['dropout', 'duplicate', 'malformed', 'reset', 'late_batch'], 20);
    const a = run(opts.fromIso, opts.toIso, { faults });
    expect(run(opts.fromIso, opts.toIso, { faults })).toEqual(a);
    expect(run(opts.fromIso, opts.toIso, { faults, seed: 7 })).not.toEqual(a);
  });

  it("a slot's consumption does not depend on where the run starts", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (shiftSlots) => {
        const to = at('2026-05-10T00:00:00Z');
        const from1 = at('2026-05-08T00:00:00Z');
        const a = intervals([...generateReadings({ fleet, seed: 5, fromMs: from1, toMs: to })], 'gov-a-e-it');
        const b = intervals(
          [...generateReadings({ fleet, seed: 5, fromMs: from1 - shiftSlots * 900_000, toMs: to })],
          'gov-a-e-it',
        );
        const tail = b.slice(-a.length);
        // Equal up to the register's resolution (0.01 kWh, twice).
        return a.every((x, k) => Math.abs(x.energy - (tail[k]?.energy ?? NaN)) < 0.021);
      }),
      { numRuns: 5 },
    );
  }, 20_000);
});

describe('registers', () => {
  it('never decrease without faults (except at a configured replacement)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 700 }),
        fc.integer({ min: 1, max: 3 }),
        (seed, startDay, days) => {
          const fromMs = at('2025-01-01T00:00:00Z') + startDay * DAY_MS;
          const last = new Map<string, number>();
          for (const e of generateReadings({ fleet, seed, fromMs, toMs: fromMs + days * DAY_MS })) {
            if (e.kind !== 'reading') return false;
            if (meterOf(e.meterId).register === 'interval') continue;
            const prev = last.get(e.meterId);
            if (
              prev !== undefined &&
              e.value < prev &&
              e.note !== 'replacement_new_initial' &&
              !e.faults.includes('rollover')
            )
              return false;
            if (e.faults.length > 0) return false;
            last.set(e.meterId, e.value);
          }
          return true;
        },
      ),
      { numRuns: 10 },
    );
  }, 20_000);

  it('count energy divided by the CT multiplier', () => {
    const sim = createSimulation({
      fleet,
      seed: 42,
      fromMs: at('2026-10-12T00:00:00Z'),
      toMs: at('2026-10-13T00:00:00Z'),
    });
    const first = sim
      .tick(at('2026-10-12T00:00:00Z'))
      .find((e) => e.kind === 'reading' && e.meterId === 'gov-a-e-main') as SimReading;
    const later = sim
      .tick(at('2026-10-12T06:00:00Z'))
      .find((e) => e.kind === 'reading' && e.meterId === 'gov-a-e-main') as SimReading;
    const i = sim.model.indexOf('gov-a-e-main') ?? -1;
    const energy = sim.model.energyBetween(i, first.tsMs, later.tsMs);
    expect(energy).toBeGreaterThan(500);
    expect((later.value - first.value) * 40).toBeCloseTo(energy, -1);
  });

  it('emit the configured replacement: old final 1 s before, new initial at the instant, continuous on both sides', () => {
    const rs = readingsOf(autumn, 'gov-w-office');
    const swap = at('2026-11-10T10:30:00+08:00');
    const events = run('2026-11-09T00:00:00+08:00', '2026-11-11T00:00:00+08:00');
    const w = readingsOf(events, 'gov-w-office');
    const k = w.findIndex((r) => r.note === 'replacement_old_final');
    const [before, oldFinal, newInitial, after] = [w[k - 1], w[k], w[k + 1], w[k + 2]];
    expect(oldFinal).toMatchObject({ tsMs: swap - 1000, value: 48213.472, faults: [] });
    expect(newInitial).toMatchObject({ tsMs: swap, value: 0.018, note: 'replacement_new_initial' });
    expect(oldFinal!.value - before!.value).toBeGreaterThanOrEqual(0);
    expect(oldFinal!.value - before!.value).toBeLessThan(25); // at most one interval of the 25 m³/h rating
    expect(after!.value).toBeGreaterThan(0.018);
    expect(after!.value).toBeLessThan(0.018 + 25);
    // Not in the autumn run (which ends before the swap), so its register sits below the old final.
    expect(rs.at(-1)!.value).toBeLessThan(48213.472);
  });

  it('start a later run after the replacement from the new initial', () => {
    const w = readingsOf(run('2026-12-01T00:00:00Z', '2026-12-01T01:00:00Z'), 'gov-w-office');
    expect(w[0]!.value).toBeGreaterThan(0.018);
    expect(w[0]!.value).toBeLessThan(30 * 24 * 25);
  });

  it("interval meters report each interval's consumption", () => {
    const rs = readingsOf(autumn, 'hos-e-op-imaging').slice(1);
    expect(rs.every((r) => r.value >= 0 && r.value <= 250 / 4)).toBe(true);
    expect(rs.reduce((s, r) => s + r.value, 0)).toBeGreaterThan(1000);
  });
});

describe('profiles', () => {
  const meanAt = (events: readonly SimEvent[], meterId: string, hour: number, working: boolean) => {
    const xs = intervals(events, meterId).filter((x) => {
      const p = localParts(x.endMs - 1, TZ);
      const isWorkday = p.weekday >= 1 && p.weekday <= 5 && !(p.month === 10 && p.day <= 8);
      return Math.floor(p.hour) === hour && isWorkday === working;
    });
    return xs.reduce((s, x) => s + x.energy, 0) / xs.length;
  };

  it('office hours: a weekday at 10:00 uses far more than 03:00, and more than a weekend 10:00', () => {
    const day10 = meanAt(autumn, 'gov-a-e-light-fgw', 10, true);
    expect(day10).toBeGreaterThan(4 * meanAt(autumn, 'gov-a-e-light-fgw', 3, true));
    expect(day10).toBeGreaterThan(3 * meanAt(autumn, 'gov-a-e-light-fgw', 10, false));
  });

  it('holidays are low and make-up Saturdays are working days', () => {
    const holiday = energyOn(autumn, 'gov-a-e-main', '2026-10-02'); // Friday in the National Day week
    const friday = energyOn(autumn, 'gov-a-e-main', '2026-10-16');
    expect(holiday).toBeLessThan(0.5 * friday);
    const makeupSaturday = energyOn(autumn, 'gov-a-e-main', '2026-10-10');
    const saturday = energyOn(autumn, 'gov-a-e-main', '2026-10-17');
    expect(makeupSaturday).toBeGreaterThan(1.8 * saturday);
  });

  it('PV generates nothing at night and plenty at noon', () => {
    const pv = intervals(autumn, 'gov-pv');
    const night = pv.filter((x) => {
      const h = localParts(x.endMs - 1, TZ).hour;
      return h >= 20 || h < 5;
    });
    expect(night.length).toBeGreaterThan(100);
    expect(night.every((x) => x.energy === 0)).toBe(true);
    const noon = pv.filter((x) => Math.floor(localParts(x.endMs - 1, TZ).hour) === 13);
    expect(noon.reduce((s, x) => s + x.energy, 0) / noon.length).toBeGreaterThan(10);
  });

  it('heating runs from November, cooling in summer', () => {
    expect(energyOn(autumn, 'gov-p-heat', '2026-10-20')).toBe(0);
    expect(energyOn(autumn, 'gov-p-heat', '2026-11-03')).toBeGreaterThan(10);
    expect(energyOn(winter, 'gov-p-heat', '2026-01-07')).toBeGreaterThan(
      2 * energyOn(autumn, 'gov-p-heat', '2026-11-03'),
    );
    expect(energyOn(winter, 'sch-gas-boiler', '2026-01-07')).toBeGreaterThan(500);
    expect(energyOn(summer, 'gov-p-heat', '2026-07-08')).toBe(0);
    expect(energyOn(summer, 'gov-p-e-chiller', '2026-07-08')).toBeGreaterThan(
      10 * energyOn(autumn, 'gov-p-e-chiller', '2026-10-14'),
    );
  });

  it('the diesel generator only runs for its monthly test (first Wednesday, 10:00–10:30)', () => {
    const runs = intervals(autumn, 'hos-diesel').filter((x) => x.energy > 0);
    expect(runs.map((x) => localParts(x.endMs - 1, TZ).dateKey)).toEqual([
      '2026-10-07',
      '2026-10-07',
      '2026-11-04',
      '2026-11-04',
    ]);
  });
});

describe('sub-metering balance', () => {
  const parents = [...new Set(fleet.meters.map((m) => m.parent).filter((p): p is string => p !== undefined))];

  it('every parent supplies its children plus 1–6 % losses, day by day (its reading plus PV behind it)', () => {
    for (const events of [autumn, winter, summer]) {
      const days = [...new Set(readingsOf(events, 'gov-a-e-main').map((r) => localParts(r.tsMs, TZ).dateKey))].slice(
        1,
        -1,
      );
      for (const parent of parents) {
        const children = fleet.meters.filter((m) => m.parent === parent);
        for (const day of days) {
          // A parent with PV behind it reads net import; generation above the load is exported.
          const generated = fleet.meters
            .filter((m) => m.behindMeter === parent)
            .reduce((s, m) => s + energyOn(events, m.id, day), 0);
          const p = energyOn(events, parent, day);
          const c = children.reduce((s, m) => s + energyOn(events, m.id, day), 0);
          expect(c, `${parent} ${day}`).toBeLessThanOrEqual(p + generated);
          expect(p, `${parent} ${day}`).toBeLessThanOrEqual(c * 1.06 + 5 * meterOf(parent).multiplier);
        }
      }
    }
  });

  it('no meter ever exceeds its rating', () => {
    for (const events of [autumn, winter, summer]) {
      for (const m of fleet.meters) {
        if (m.register === 'interval') continue;
        const worst = Math.max(...intervals(events, m.id).map((x) => x.energy * 4));
        expect(worst, m.id).toBeLessThanOrEqual(m.ratedMaxPerHour ?? Infinity);
      }
    }
  });
});

describe('faults', () => {
  const window = { fromIso: '2026-10-12T00:00:00Z', toIso: '2026-10-22T00:00:00Z' };
  const faulty = (faults: FaultConfig, extra: Partial<GenerateOptions> = {}) =>
    run(window.fromIso, window.toIso, { faults, ...extra });
  const tagged = (events: readonly SimEvent[], kind: FaultKind) =>
    events.filter((e): e is SimReading => e.kind === 'reading' && e.faults.includes(kind));
  const clean = run(window.fromIso, window.toIso);

  it('reset: the register drops to a small value and counts on from there', () => {
    const events = faulty({ reset: { perMeterDay: 0.2 } });
    const resets = tagged(events, 'reset');
    expect(resets.length).toBeGreaterThan(20);
    for (const r of resets) {
      const rs = readingsOf(events, r.meterId);
      const k = rs.indexOf(r);
      // A register that was already 0 (a heat meter out of season, reset twice) cannot drop further.
      if (rs[k - 1]!.value > 0) expect(r.value).toBeLessThan(rs[k - 1]!.value);
      expect(r.value * meterOf(r.meterId).multiplier).toBeLessThanOrEqual(
        (meterOf(r.meterId).ratedMaxPerHour ?? Infinity) / 4,
      );
      if (rs[k + 1] && !rs[k + 1]!.faults.includes('reset')) expect(rs[k + 1]!.value).toBeGreaterThanOrEqual(r.value);
    }
  });

  it('rollover: chosen meters wrap past registerMax to 0, with the consumption conserved', () => {
    const events = faulty({ rollover: { meters: 3 } });
    const wraps = tagged(events, 'rollover');
    expect(new Set(wraps.map((r) => r.meterId)).size).toBe(3);
    for (const r of wraps) {
      const m = meterOf(r.meterId);
      const rs = readingsOf(events, r.meterId);
      const prev = rs[rs.indexOf(r) - 1]!;
      const modulus =
        m.registerMax! + (String(m.registerMax).split('.')[1] ? 10 ** -String(m.registerMax).split('.')[1]!.length : 1);
      expect(prev.value).toBeGreaterThan(0.9 * m.registerMax!);
      const delta = r.value + modulus - prev.value;
      expect(delta).toBeGreaterThanOrEqual(0);
      expect(delta * m.multiplier).toBeLessThanOrEqual((m.ratedMaxPerHour ?? Infinity) / 4 + 1e-6);
    }
  });

  it('replacement: an unrecorded swap gives an old final and a small new initial', () => {
    const events = faulty({ replacement: { perMeterDay: 0.05 } });
    const swaps = tagged(events, 'replacement');
    expect(swaps.length).toBeGreaterThan(4);
    expect(swaps.filter((r) => r.note === 'replacement_old_final').length).toBe(
      swaps.filter((r) => r.note === 'replacement_new_initial').length,
    );
    for (const r of swaps.filter((x) => x.note === 'replacement_new_initial')) {
      expect(r.value).toBeLessThanOrEqual(5);
      expect(r.tsMs % 1000).toBe(0);
    }
  });

  it('dropout: readings are lost in runs, seq keeps counting', () => {
    const events = faulty({ dropout: { perMeterDay: 0.5, minIntervals: 3, maxIntervals: 3 } });
    const dropped = events.filter((e) => e.kind === 'dropped');
    // Gaps are 3 readings long, except those cut by the run's ends (faults are pure in time: one may have
    // started before the run, or go on after it).
    const step = 15 * 60_000;
    const [first, last] = [at(window.fromIso), at(window.toIso) - step];
    const runs: { meterId: string; startMs: number; length: number }[] = [];
    for (const d of [...dropped].sort((a, b) => a.meterId.localeCompare(b.meterId) || a.tsMs - b.tsMs)) {
      const open = runs.at(-1);
      if (open?.meterId === d.meterId && d.tsMs === open.startMs + open.length * step) open.length++;
      else runs.push({ meterId: d.meterId, startMs: d.tsMs, length: 1 });
    }
    const cut = (r: (typeof runs)[number]) => r.startMs <= first + step || r.startMs + 2 * step > last;
    expect(runs.filter((r) => !cut(r)).every((r) => r.length === 3)).toBe(true);
    expect(runs.every((r) => r.length <= 3)).toBe(true);
    expect(runs.filter(cut).length).toBeLessThan(runs.length / 10);
    expect(dropped.length).toBeGreaterThan(100);
    expect(events.filter((e) => e.kind === 'reading').length + dropped.length).toBe(clean.length);
    const rs = readingsOf(events, 'gov-a-e-main');
    const gaps = rs.slice(1).filter((r, k) => r.seq !== rs[k]!.seq + 1);
    expect(gaps.every((r) => r.seq - rs[rs.indexOf(r) - 1]!.seq === 4)).toBe(true);
  });

  it('duplicate: the same reading twice in a row', () => {
    const events = faulty({ duplicate: { probability: 0.01 } });
    const dups = tagged(events, 'duplicate');
    expect(dups.length).toBeGreaterThan(100);
    for (const d of dups) {
      const original = events[events.indexOf(d) - 1] as SimReading;
      expect({ ...original, faults: [] }).toEqual({ ...d, faults: [] });
    }
    expect(events.length).toBe(clean.length + dups.length);
  });

  it('transient_zero: one 0, then the register as before', () => {
    const events = faulty({ transient_zero: { perMeterDay: 0.3 } });
    const zeros = tagged(events, 'transient_zero');
    expect(zeros.length).toBeGreaterThan(20);
    for (const z of zeros) {
      const rs = readingsOf(events, z.meterId);
      const k = rs.indexOf(z);
      expect(z.value).toBe(0);
      const next = rs[k + 1];
      if (next && next.faults.length === 0) expect(next.value).toBeGreaterThanOrEqual(rs[k - 1]!.value);
    }
  });

  it('late_batch: a gateway delivers a block of correct readings hours late', () => {
    const events = faulty({ late_batch: { perGatewayDay: 0.5, windowHours: 2, delayHours: 6 } });
    const late = tagged(events, 'late_batch');
    expect(late.length).toBeGreaterThan(100);
    // Same readings as without the fault, only delivered later.
    const key = (r: SimReading) => `${r.meterId}|${r.tsMs}|${r.value}|${r.seq}`;
    expect(new Set(events.filter((e): e is SimReading => e.kind === 'reading').map(key))).toEqual(
      new Set(readingsOfAll(clean).map(key)),
    );
    // Delivered at least delayHours after their own time (except those flushed at the end of the run).
    let newest = -Infinity;
    for (const e of events) {
      if (e.kind === 'reading' && e.faults.includes('late_batch') && newest < at(window.toIso) - 15 * 60_000) {
        expect(newest - e.tsMs).toBeGreaterThanOrEqual(6 * HOUR_MS);
      }
      newest = Math.max(newest, e.tsMs);
    }
  });

  it('clock_skew: the stamp is hours ahead of the true time and of the skew base', () => {
    const base = at('2026-11-29T10:00:00Z');
    const events = faulty({ clock_skew: { probability: 0.01, skewHours: 6 } }, { skewBaseMs: base });
    const skewed = tagged(events, 'clock_skew');
    expect(skewed.length).toBeGreaterThan(100);
    for (const r of skewed) expect(r.tsMs).toBe(base + 6 * HOUR_MS);
    expect(events.length).toBe(clean.length);
  });

  it('malformed: an extra payload event, the normal reading still sent', () => {
    const events = faulty({ malformed: { probability: 0.01 } });
    const bad = events.filter((e) => e.kind === 'malformed');
    expect(bad.length).toBeGreaterThan(100);
    expect(new Set(bad.map((e) => e.variant)).size).toBe(8);
    expect(events.length - bad.length).toBe(clean.length);
  });

  it('no fault strikes without being enabled, and a kind strikes in the same places whatever else is on', () => {
    expect(clean.every((e) => e.kind === 'reading' && e.faults.length === 0)).toBe(true);
    const alone = tagged(faulty({ duplicate: { probability: 0.01 } }), 'duplicate').map((r) => `${r.meterId}|${r.seq}`);
    const withOthers = tagged(
      faulty({
        duplicate: { probability: 0.01 },
        malformed: { probability: 0.05 },
        clock_skew: { probability: 0.01, skewHours: 3 },
      }),
      'duplicate',
    ).map((r) => `${r.meterId}|${r.seq}`);
    expect(withOthers).toEqual(alone);
  });
});

function readingsOfAll(events: readonly SimEvent[]): SimReading[] {
  return events.filter((e): e is SimReading => e.kind === 'reading');
}
