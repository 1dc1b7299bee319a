import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../load-app-config.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../kernel/index.js';
import { DEFAULT_FAULTS, faultsFor, GARBLED_VARIANTS, type FaultConfig } from './faults.js';
import { createFleetModel } from './fleet-model.js';
import {
  createSimulation,
  DEMO_REGISTER_ORIGIN_MS,
  generateReadings,
  type SimEvent,
  type SimReading,
} from './simulation.js';

/**
 * The demo's alert faults (night_load, unmetered_load, stuck_register, garbled_gateway,
 * silent_meter): each strikes where docs/alerts.md says its rule looks, densely enough that
 * any evaluation instant sees it, and all but silent_meter are pure in time.
 */
const fleet = loadAppConfig('config/demo.yaml', {}).fleet;
const INTERVAL_MS = 15 * MINUTE_MS;
const SEED = 42;
const T = Date.parse('2026-11-10T00:00:00Z');
const ALERT_KINDS = ['night_load', 'unmetered_load', 'stuck_register', 'garbled_gateway', 'silent_meter'] as const;

function run(fromMs: number, toMs: number, faults: FaultConfig): SimEvent[] {
  return [
    ...generateReadings({
      fleet,
      seed: SEED,
      fromMs,
      toMs,
      intervalMs: INTERVAL_MS,
      registerOriginMs: DEMO_REGISTER_ORIGIN_MS,
      faults,
    }),
  ];
}

const readingsOf = (events: readonly SimEvent[], meterId: string): SimReading[] =>
  events.filter((e): e is SimReading => e.kind === 'reading' && e.meterId === meterId);

/** Every (meter, instant) of a run: value and faults of the readings, or the malformed variants. */
function byInstant(events: readonly SimEvent[]): Map<string, string> {
  const out = new Map<string, string[]>();
  for (const e of events) {
    const key = `${e.meterId}|${e.kind === 'reading' ? e.trueTsMs : e.tsMs}`;
    const what =
      e.kind === 'reading'
        ? JSON.stringify([e.value, e.faults])
        : `${e.kind}:${e.kind === 'malformed' ? e.variant : ''}`;
    out.set(key, [...(out.get(key) ?? []), what]);
  }
  return new Map([...out].map(([k, v]) => [k, v.sort().join(';')]));
}

const model = createFleetModel(fleet, SEED);
const picked = model.faultMeters;
const idOf = (i: number) => model.meters[i]?.meter.id ?? '';

describe('the meters the alert faults strike', () => {
  it('are as many as configured, of the right class, and no meter carries two of them', () => {
    expect(picked.night_load).toHaveLength(DEFAULT_FAULTS.night_load.meters);
    expect(picked.unmetered_load).toHaveLength(DEFAULT_FAULTS.unmetered_load.meters);
    expect(picked.stuck_register).toHaveLength(DEFAULT_FAULTS.stuck_register.meters);
    expect(picked.garbled_gateway).toHaveLength(1);
    expect(picked.silent_meter).toHaveLength(1);
    const leaves = [...picked.night_load, ...picked.stuck_register, ...picked.garbled_gateway, ...picked.silent_meter];
    expect(new Set(leaves).size).toBe(leaves.length);
    for (const i of picked.unmetered_load) expect(model.meters[i]?.children.length).toBeGreaterThan(0);
    for (const i of [...picked.stuck_register, ...picked.silent_meter]) {
      const m = model.meters[i];
      expect(m?.meter.register).toBe('cumulative');
      expect(m?.meter.parent).toBeDefined();
      expect(picked.unmetered_load).not.toContain(model.indexOf(m?.meter.parent ?? ''));
    }
  });

  it('do not move when other kinds are switched on or off', () => {
    for (const kind of ALERT_KINDS) {
      const alone = createFleetModel(fleet, SEED, { faults: faultsFor([kind]) }).faultMeters;
      const all = createFleetModel(fleet, SEED, { faults: faultsFor([...ALERT_KINDS]) }).faultMeters;
      expect(alone).toEqual(picked);
      expect(all).toEqual(picked);
    }
  });
});

describe('night_load', () => {
  const faults = faultsFor(['night_load']);
  const lit = createFleetModel(fleet, SEED, { faults });
  const f = DEFAULT_FAULTS.night_load;

  it('lights one chosen meter every night from 19:00 to 23:00 local, each on its own night, and nothing else', () => {
    const days = 12;
    const start = Date.parse('2026-11-02T00:00:00+08:00');
    const litNights = new Map<number, number[]>();
    for (let d = 0; d < days; d++) {
      const evening = start + d * DAY_MS + f.fromHour * HOUR_MS;
      const night = [evening, evening + (f.toHour - f.fromHour) * HOUR_MS] as const;
      for (const i of picked.night_load) {
        const extra = lit.energyBetween(i, ...night) - model.energyBetween(i, ...night);
        const expected = (model.meters[i]?.peakPerHour ?? 0) * f.extraShare * (f.toHour - f.fromHour);
        if (extra > 0) {
          expect(extra).toBeCloseTo(expected, 6);
          litNights.set(i, [...(litNights.get(i) ?? []), d]);
        }
        // Outside the lit hours the meter uses what it always does.
        const day = [start + d * DAY_MS, evening] as const;
        expect(lit.energyBetween(i, ...day)).toBeCloseTo(model.energyBetween(i, ...day), 9);
      }
      const litThatNight = picked.night_load.filter((i) => litNights.get(i)?.includes(d));
      expect(litThatNight).toHaveLength(1);
    }
    for (const nights of litNights.values())
      expect(nights.every((d, k) => k === 0 || d - (nights[k - 1] ?? 0) === f.everyNights)).toBe(true);
    // Other leaves are untouched; the lit meter's parent carries its extra (with its losses).
    const span = [start, start + days * DAY_MS] as const;
    const others = model.meters.filter((m) => m.kind !== undefined && !picked.night_load.includes(m.index));
    for (const m of others) expect(lit.energyBetween(m.index, ...span)).toBe(model.energyBetween(m.index, ...span));
    const first = model.meters[picked.night_load[0] ?? -1];
    const parent = model.indexOf(first?.meter.parent ?? '');
    if (parent !== undefined)
      expect(lit.energyBetween(parent, ...span)).toBeGreaterThan(model.energyBetween(parent, ...span));
  }, 60_000);
});

describe('unmetered_load', () => {
  const faults = faultsFor(['unmetered_load']);
  const loaded = createFleetModel(fleet, SEED, { faults });
  const f = DEFAULT_FAULTS.unmetered_load;

  it('puts a load no sub-meter sees on one chosen parent every local day', () => {
    const start = Date.parse('2026-11-02T00:00:00+08:00');
    for (let d = 0; d < 8; d++) {
      const day = [start + d * DAY_MS, start + (d + 1) * DAY_MS] as const;
      const struck = picked.unmetered_load.filter((i) => {
        const m = model.meters[i];
        if (!m) return false;
        for (const c of m.children) expect(loaded.energyBetween(c, ...day)).toBe(model.energyBetween(c, ...day));
        const childSum = m.children.reduce((sum, c) => sum + model.energyBetween(c, ...day), 0);
        const extra = loaded.energyBetween(i, ...day) - model.energyBetween(i, ...day);
        if (extra === 0) return false;
        expect(extra / childSum).toBeCloseTo(f.extraShare, 6);
        return true;
      });
      expect(struck).toHaveLength(1);
    }
  }, 60_000);
});

describe('stuck_register', () => {
  const faults = faultsFor(['stuck_register']);
  const from = T - 3 * DAY_MS;
  const events = run(from, T, faults);
  const clean = run(from, T, {});

  it('keeps one chosen register flat for 6 h or more at every instant, then catches up with the true register', () => {
    const stuck = picked.stuck_register.map((i) => readingsOf(events, idOf(i)));
    const truth = new Map(picked.stuck_register.map((i) => [idOf(i), readingsOf(clean, idOf(i))]));
    for (let t = from + DAY_MS; t < T; t += INTERVAL_MS) {
      const flatHours = stuck.map((rs) => {
        const before = rs.filter((r) => r.tsMs < t);
        const last = before.at(-1);
        if (!last) return 0;
        const firstEqual = before.findLast((r) => r.value !== last.value);
        const runStart = before[before.indexOf(firstEqual ?? (before[0] as SimReading)) + (firstEqual ? 1 : 0)];
        return (last.tsMs - (runStart?.tsMs ?? last.tsMs)) / HOUR_MS;
      });
      expect(Math.max(...flatHours)).toBeGreaterThanOrEqual(6);
    }
    for (const rs of stuck) {
      const meterId = rs[0]?.meterId ?? '';
      const true_ = new Map((truth.get(meterId) ?? []).map((r) => [r.tsMs, r.value]));
      const frozen = rs.filter((r) => r.faults.includes('stuck_register'));
      const moving = rs.filter((r) => !r.faults.includes('stuck_register'));
      // 15 h of every 24 (the first instant of a freeze is the true register it freezes at).
      expect(frozen.length / rs.length).toBeCloseTo((DEFAULT_FAULTS.stuck_register.hours * 4 - 1) / 96, 1);
      for (const r of moving) expect(r.value).toBe(true_.get(r.tsMs));
      for (const r of frozen) expect(r.value).toBeLessThanOrEqual(true_.get(r.tsMs) ?? -1);
    }
    // Other meters read what they read without the fault.
    const other = fleet.meters.find((m) => !picked.stuck_register.includes(model.indexOf(m.id) ?? -1))?.id ?? '';
    expect(readingsOf(events, other)).toEqual(readingsOf(clean, other));
  }, 60_000);
});

describe('garbled_gateway', () => {
  it('sends extra malformed payloads naming the chosen meter at the configured rate', () => {
    const events = run(T - 5 * DAY_MS, T, faultsFor(['garbled_gateway']));
    const garbled = events.filter((e) => e.kind === 'malformed');
    const id = idOf(picked.garbled_gateway[0] ?? -1);
    expect(new Set(garbled.map((e) => e.meterId))).toEqual(new Set([id]));
    for (const e of garbled) expect(GARBLED_VARIANTS).toContain(e.kind === 'malformed' ? e.variant : '');
    const rate = garbled.length / readingsOf(events, id).length;
    expect(rate).toBeGreaterThan(0.15);
    expect(rate).toBeLessThan(0.25);
  }, 60_000);
});

describe('silent_meter', () => {
  it('sends nothing of the chosen meter from some hours before the planned end, live ticks included', () => {
    const faults = faultsFor(['silent_meter']);
    const sim = createSimulation({
      fleet,
      seed: SEED,
      fromMs: T - DAY_MS,
      toMs: T,
      intervalMs: INTERVAL_MS,
      registerOriginMs: DEMO_REGISTER_ORIGIN_MS,
      faults,
    });
    const events: SimEvent[] = [];
    for (let t = T - DAY_MS; t < T + HOUR_MS; t += INTERVAL_MS) events.push(...sim.tick(t));
    const id = idOf(picked.silent_meter[0] ?? -1);
    const silentFrom = T - DEFAULT_FAULTS.silent_meter.hours * HOUR_MS;
    const own = events.filter((e) => e.meterId === id);
    expect(own.length).toBe((silentFrom - (T - DAY_MS)) / INTERVAL_MS);
    expect(own.every((e) => e.tsMs < silentFrom)).toBe(true);
    // Every other meter goes on, live too.
    const other = fleet.meters.find((m) => m.id !== id)?.id ?? '';
    expect(events.filter((e) => e.meterId === other && e.tsMs >= T).length).toBe(4);
  }, 60_000);
});

describe('the alert faults are pure in time (a restart re-sends the same values)', () => {
  it('two runs with different starts agree at every common instant', () => {
    const faults = faultsFor(ALERT_KINDS.filter((k) => k !== 'silent_meter'));
    const a = byInstant(run(T - 4 * DAY_MS, T, faults));
    const bFrom = T - 3 * DAY_MS + 5 * HOUR_MS + 15 * MINUTE_MS;
    const b = byInstant(run(bFrom, T + 6 * HOUR_MS, faults));
    let common = 0;
    const mismatches: string[] = [];
    for (const [key, what] of b) {
      const ts = Number(key.split('|')[1]);
      if (ts < bFrom || ts >= T) continue;
      common++;
      if (a.get(key) !== what) mismatches.push(`${key}: ${a.get(key)} vs ${what}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(common).toBeGreaterThan(fleet.meters.length * 100);
    // The faults were really on in the common range.
    const kinds = new Set([...b.values()].join(';').match(/stuck_register|malformed/g));
    expect(kinds).toEqual(new Set(['stuck_register', 'malformed']));
  }, 60_000);
});
