import { describe, expect, it } from 'vitest';
import { flatRuns, stuckRegisterFinding, type StuckReference } from './meter-health-stuck.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 9, 1, 0);
const ASOF = T0 + 12 * HOUR;

/** Quarter-hour readings: rising 1 per reading until `flatFromH`, then flat (until `flatToH`, rising after). */
function readings(flatFromH: number, flatToH = 12) {
  const out: { tsMs: number; value: number }[] = [];
  let value = 100;
  for (let q = 0; q < 48; q++) {
    const tsMs = T0 + q * (HOUR / 4);
    const h = q / 4;
    if (h < flatFromH || h > flatToH) value += 1;
    out.push({ tsMs, value });
  }
  return out;
}
const sibling = (perHour: number): StuckReference => ({
  meterId: 'm2',
  relation: 'sibling',
  consumption: perHour * 5,
  unit: 'kWh',
  hours: 5,
});
const stuck = (rs: { tsMs: number; value: number }[], references: StuckReference[]) =>
  stuckRegisterFinding({
    meterId: 'm1',
    unit: 'kWh',
    runs: flatRuns(rs),
    flatHours: 6,
    references,
    referenceMinPerHour: 0.5,
    asOfMs: ASOF,
  });

describe('stuck_register', () => {
  it('raises when flat for six hours while a sibling consumed', () => {
    const f = stuck(readings(4), [sibling(20)]);
    expect(f).toMatchObject({ verdict: 'raise', window: '2026-10-01T03:45:00.000Z', measured: { value: 8 } });
    expect(f.summary.zh).toContain('m2');
  });

  it('an empty building is not stuck: every related meter quiet holds', () => {
    expect(stuck(readings(4), [sibling(0.1)]).verdict).toBe('hold');
  });

  it('no related meter to compare: hold', () => {
    expect(stuck(readings(4), []).verdict).toBe('hold');
  });

  it('shorter than six hours: clear', () => {
    expect(stuck(readings(8), [sibling(20)]).verdict).toBe('clear');
  });

  it('clears once the register moves, naming the flat run that ended', () => {
    expect(stuck(readings(2, 10), [sibling(20)])).toMatchObject({
      verdict: 'clear',
      window: '2026-10-01T01:45:00.000Z',
    });
  });

  it('runs take the highest value of an instant', () => {
    expect(
      flatRuns([
        { tsMs: 1, value: 5 },
        { tsMs: 2, value: 5 },
        { tsMs: 2, value: 4 },
        { tsMs: 3, value: 6 },
      ]),
    ).toEqual([
      { startMs: 1, endMs: 2, value: 5, readings: 2 },
      { startMs: 3, endMs: 3, value: 6, readings: 1 },
    ]);
  });
});
