import { describe, expect, it } from 'vitest';
import { applyFactor, convertQuantity, parseFactorUnit } from './apply-factor.js';

describe('unit-typed factor arithmetic (the ×1000 errors)', () => {
  it('converts kWh and MWh both ways', () => {
    expect(convertQuantity(2, 'MWh', 'kWh')).toBe(2000);
    expect(convertQuantity(2500, 'kWh', 'MWh')).toBe(2.5);
    expect(convertQuantity(1, 'kWh', 'MJ')).toBeCloseTo(3.6, 12);
    expect(convertQuantity(1, 'GJ', 'kWh')).toBeCloseTo(277.7777777778, 9);
  });

  it('converts kg and t, kgCO2 and tCO2, kgce and tce', () => {
    expect(convertQuantity(500, 'kg', 't')).toBe(0.5);
    expect(convertQuantity(3, 't', 'kg')).toBe(3000);
    expect(convertQuantity(1234, 'kgCO2', 'tCO2')).toBe(1.234);
    expect(convertQuantity(2, 'tce', 'kgce')).toBe(2000);
  });

  it('refuses to convert across dimensions', () => {
    expect(convertQuantity(1, 'm3', 'kWh')).toBeUndefined();
    expect(convertQuantity(1, 'L', 'kg')).toBeUndefined();
    expect(convertQuantity(1, 'kgce', 'kgCO2')).toBeUndefined();
  });

  it('applies a per-kWh factor to MWh: 2 MWh × 0.5306 kgCO2/kWh = 1061.2 kgCO2, not 1.0612', () => {
    const result = applyFactor({ value: 2, unit: 'MWh' }, { value: 0.5306, unit: 'kgCO2/kWh' });
    expect('ok' in result && result.ok.unit).toBe('kgCO2');
    expect('ok' in result && result.ok.value).toBeCloseTo(1061.2, 9);
  });

  it('applies a per-MWh factor to kWh: 1000 kWh × 0.5703 tCO2/MWh = 0.5703 tCO2', () => {
    const result = applyFactor({ value: 1000, unit: 'kWh' }, { value: 0.5703, unit: 'tCO2/MWh' });
    expect(result).toEqual({ ok: { value: 0.5703, unit: 'tCO2' } });
  });

  it('applies a per-tonne factor to kg: 500 kg diesel × 3.0959 tCO2/t = 1.54795 tCO2, not 1547.95', () => {
    const result = applyFactor({ value: 500, unit: 'kg' }, { value: 3.0959, unit: 'tCO2/t' });
    expect('ok' in result && result.ok.unit).toBe('tCO2');
    expect('ok' in result && result.ok.value).toBeCloseTo(1.54795, 12);
  });

  it('turns litres into kg only through a density, then into kgce', () => {
    const mass = applyFactor({ value: 100, unit: 'L' }, { value: 0.84, unit: 'kg/L' });
    expect(mass).toEqual({ ok: { value: 84, unit: 'kg' } });
    expect(applyFactor({ value: 100, unit: 'L' }, { value: 1.4571, unit: 'kgce/kg' })).toEqual({
      error: expect.objectContaining({ code: 'UNIT_MISMATCH' }),
    });
  });

  it('refuses unknown factor units and mismatched quantities', () => {
    expect(parseFactorUnit('kgCO2/kWh')).toEqual({ numerator: 'kgCO2', denominator: 'kWh' });
    expect(parseFactorUnit('kgCO2/kgce')).toBeUndefined();
    expect(parseFactorUnit('kgCO2')).toBeUndefined();
    expect(parseFactorUnit('g/kWh')).toBeUndefined();
    expect(applyFactor({ value: 10, unit: 'm3' }, { value: 0.5306, unit: 'kgCO2/kWh' })).toEqual({
      error: expect.objectContaining({ code: 'UNIT_MISMATCH' }),
    });
  });
});
