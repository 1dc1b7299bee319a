import { describe, expect, it } from 'vitest';
import {
  selectFactor,
  type FactorCatalogue,
  type FactorEntry,
  type FactorQuery,
  type FactorSelection,
} from './factor-lookup.js';

const source = { publisher: 'test', document: 'test fixture' };
const entry = (e: Partial<FactorEntry> & Pick<FactorEntry, 'id' | 'value'>): FactorEntry => ({
  kind: 'emission',
  carrier: 'electricity',
  unit: 'kgCO2/kWh',
  series: 'grid-average',
  confidence: 'S',
  source,
  ...e,
});

const catalogue: FactorCatalogue = {
  version: 'test-1',
  entries: [
    entry({
      id: 'coal-elec-equivalent',
      kind: 'standard_coal',
      basis: 'equivalent',
      value: 0.1229,
      unit: 'kgce/kWh',
      series: 'gbt',
    }),
    entry({
      id: 'coal-gas-field',
      kind: 'standard_coal',
      carrier: 'natural_gas',
      variant: 'gas-field',
      value: 1.2143,
      unit: 'kgce/m3',
      series: 'gbt',
    }),
    entry({
      id: 'coal-oil-field',
      kind: 'standard_coal',
      carrier: 'natural_gas',
      variant: 'oil-field',
      value: 1.33,
      unit: 'kgce/m3',
      series: 'gbt',
    }),
    entry({ id: 'grid-2022-national', region: 'national', year: 2022, appliesUntilSuperseded: true, value: 0.5366 }),
    entry({ id: 'grid-2023-national', region: 'national', year: 2023, appliesUntilSuperseded: true, value: 0.5306 }),
    entry({ id: 'grid-2023-northwest', region: 'northwest', year: 2023, appliesUntilSuperseded: true, value: 0.5543 }),
    entry({ id: 'grid-2022-ningxia', region: 'ningxia', year: 2022, value: 0.6423 }),
    entry({
      id: 'enterprise-2023-2025',
      region: 'national',
      series: 'enterprise',
      validFrom: '2023-01-01',
      validTo: '2026-01-01',
      value: 0.5703,
      unit: 'tCO2/MWh',
    }),
    entry({ id: 'fuel-gas', carrier: 'natural_gas', series: 'ndrc', value: 2.165, unit: 'kgCO2/m3' }),
    entry({
      id: 'heat-a',
      carrier: 'district_heat',
      series: 'h',
      validFrom: '2020-01-01',
      validTo: '2026-07-01',
      value: 0.11,
      unit: 'tCO2/GJ',
    }),
    entry({
      id: 'heat-b',
      carrier: 'district_heat',
      series: 'h',
      validFrom: '2026-07-01',
      value: 0.1,
      unit: 'tCO2/GJ',
    }),
  ],
};

const select = (query: FactorQuery) => selectFactor(catalogue, query);
const okId = (s: FactorSelection) => ('ok' in s ? s.ok.entry.id : s.error.code);
const errorCode = (s: FactorSelection) => ('error' in s ? s.error.code : 'ok');

describe('selectFactor', () => {
  it('selects the grid factor of the institution region and year', () => {
    expect(
      okId(
        select({ kind: 'emission', carrier: 'electricity', region: 'northwest', series: 'grid-average', year: 2023 }),
      ),
    ).toBe('grid-2023-northwest');
  });

  it('falls back to the latest prior year only where the entry allows it, and says so', () => {
    const s = select({
      kind: 'emission',
      carrier: 'electricity',
      region: 'national',
      series: 'grid-average',
      year: 2025,
    });
    expect(s).toEqual({
      ok: {
        entry: expect.objectContaining({ id: 'grid-2023-national' }),
        fallback: { requestedYear: 2025, usedYear: 2023, reason: expect.stringContaining('2023') },
      },
    });
    // The Ningxia 2022 entry does not say it applies until superseded.
    const ningxia = select({ kind: 'emission', carrier: 'electricity', region: 'ningxia', year: 2023 });
    expect(errorCode(ningxia)).toBe('FACTOR_MISSING');
    expect('error' in ningxia && ningxia.error.message).toContain('2023');
  });

  it('never mixes series: two series for one region and year is ambiguous until the query names one', () => {
    const s = select({ kind: 'emission', carrier: 'electricity', region: 'national', year: 2023 });
    expect(errorCode(s)).toBe('FACTOR_AMBIGUOUS');
    expect('error' in s && s.error.message).toContain('series');
    expect('error' in s && s.error.candidates).toEqual(
      expect.arrayContaining(['grid-2023-national', 'enterprise-2023-2025']),
    );
    expect(
      okId(select({ kind: 'emission', carrier: 'electricity', region: 'national', series: 'enterprise', year: 2024 })),
    ).toBe('enterprise-2023-2025');
  });

  it('needs the region when the factors are regional', () => {
    const s = select({ kind: 'emission', carrier: 'electricity', series: 'grid-average', year: 2023 });
    expect(errorCode(s)).toBe('FACTOR_AMBIGUOUS');
    expect('error' in s && s.error.message).toContain('region');
    expect(errorCode(select({ kind: 'emission', carrier: 'electricity', region: 'atlantis', year: 2023 }))).toBe(
      'FACTOR_MISSING',
    );
  });

  it('applies a region-less fuel factor in every region', () => {
    expect(okId(select({ kind: 'emission', carrier: 'natural_gas', region: 'ningxia', year: 2026 }))).toBe('fuel-gas');
  });

  it('needs the electricity basis, and has no silent equal-value default', () => {
    expect(errorCode(select({ kind: 'standard_coal', carrier: 'electricity', year: 2026 }))).toBe('FACTOR_AMBIGUOUS');
    expect(okId(select({ kind: 'standard_coal', carrier: 'electricity', basis: 'equivalent', year: 2026 }))).toBe(
      'coal-elec-equivalent',
    );
    const equal = select({ kind: 'standard_coal', carrier: 'electricity', basis: 'equal', year: 2026 });
    expect(errorCode(equal)).toBe('FACTOR_MISSING');
    expect('error' in equal && equal.error.message).toContain('equal');
  });

  it('asks which variant when a carrier has several published values', () => {
    expect(errorCode(select({ kind: 'standard_coal', carrier: 'natural_gas', year: 2026 }))).toBe('FACTOR_AMBIGUOUS');
    expect(okId(select({ kind: 'standard_coal', carrier: 'natural_gas', variant: 'oil-field', year: 2026 }))).toBe(
      'coal-oil-field',
    );
  });

  it('gives water no standard-coal factor: it is a resource', () => {
    const s = select({ kind: 'standard_coal', carrier: 'water', year: 2026 });
    expect(errorCode(s)).toBe('FACTOR_MISSING');
    expect('error' in s && s.error.message).toContain('resource');
  });

  it('dates an instant in the institution zone: 2025-12-31T16:30Z is 2026 in Shanghai', () => {
    const query = { kind: 'emission', carrier: 'electricity', region: 'national', series: 'enterprise' } as const;
    expect(okId(select({ ...query, atMs: Date.parse('2025-12-31T15:30:00Z') }))).toBe('enterprise-2023-2025');
    expect(errorCode(select({ ...query, atMs: Date.parse('2025-12-31T16:30:00Z') }))).toBe('FACTOR_MISSING');
    expect(okId(select({ ...query, atMs: Date.parse('2025-12-31T16:30:00Z'), timeZone: 'UTC' }))).toBe(
      'enterprise-2023-2025',
    );
  });

  it('is ambiguous for a year in which the factor changes, and exact by date', () => {
    const query = { kind: 'emission', carrier: 'district_heat' } as const;
    expect(errorCode(select({ ...query, year: 2026 }))).toBe('FACTOR_AMBIGUOUS');
    expect(okId(select({ ...query, year: 2025 }))).toBe('heat-a');
    expect(okId(select({ ...query, atMs: Date.parse('2026-06-30T12:00:00+08:00') }))).toBe('heat-a');
    expect(okId(select({ ...query, atMs: Date.parse('2026-07-01T00:00:00+08:00') }))).toBe('heat-b');
  });

  it('names a carrier with no factor at all', () => {
    const s = select({ kind: 'emission', carrier: 'pv_generation', year: 2026 });
    expect(s).toEqual({
      error: { code: 'FACTOR_MISSING', message: expect.stringContaining('pv_generation'), candidates: [] },
    });
  });

  it('treats a query without a time, or with two, as a bug', () => {
    expect(() => select({ kind: 'emission', carrier: 'natural_gas' })).toThrow();
    expect(() => select({ kind: 'emission', carrier: 'natural_gas', year: 2026, atMs: 0 })).toThrow();
  });
});
