import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { selectFactor, type FactorCatalogue, type FactorEntry } from '../accounting/core/index.js';
import { FACTOR_CATALOGUE_FILE, parseFactorCatalogue, readFactorCatalogue } from './factor-catalogue-schema.js';

const shipped = readFactorCatalogue();
// Compile-time: the validated config is what the accounting core consumes.
const asCore: FactorCatalogue = shipped;
const find = (id: string): FactorEntry | undefined => asCore.entries.find((e) => e.id === id);

/** Every figure of docs/methodology.md §9–§10, by catalogue id: value, unit, confidence. */
const DOMAIN_VALUES: Array<[id: string, value: number, unit: string, confidence: 'P' | 'S' | 'U']> = [
  ['gbt2589-electricity-equivalent', 0.1229, 'kgce/kWh', 'S'],
  ['gbt2589-natural-gas-gas-field', 1.2143, 'kgce/m3', 'S'],
  ['gbt2589-natural-gas-oil-field', 1.33, 'kgce/m3', 'S'],
  ['gbt2589-raw-coal', 0.7143, 'kgce/kg', 'S'],
  ['gbt2589-diesel', 1.4571, 'kgce/kg', 'S'],
  ['gbt2589-gasoline', 1.4714, 'kgce/kg', 'S'],
  ['gbt2589-lpg', 1.7143, 'kgce/kg', 'S'],
  ['gbt2589-district-heat', 34.12, 'kgce/GJ', 'S'],
  ['gbt2589-steam-low-pressure', 128.6, 'kgce/t', 'U'],
  ['density-diesel', 0.84, 'kg/L', 'U'],
  ['density-gasoline', 0.73, 'kg/L', 'U'],
  ['mee-grid-2021-national', 0.5568, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-national', 0.5366, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-national', 0.5306, 'kgCO2/kWh', 'S'],
  ['mee-grid-excl-market-nonfossil-2022-national', 0.5856, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-north', 0.6776, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-north', 0.6361, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-northeast', 0.5564, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-northeast', 0.5122, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-east', 0.5617, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-east', 0.55, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-central', 0.5395, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-central', 0.5271, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-northwest', 0.5857, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-northwest', 0.5543, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-south', 0.3869, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-south', 0.4042, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-southwest', 0.2268, 'kgCO2/kWh', 'S'],
  ['mee-grid-2023-southwest', 0.2472, 'kgCO2/kWh', 'S'],
  ['mee-grid-2021-ningxia', 0.6546, 'kgCO2/kWh', 'S'],
  ['mee-grid-2022-ningxia', 0.6423, 'kgCO2/kWh', 'S'],
  ['enterprise-reporting-2023-2025-national', 0.5703, 'tCO2/MWh', 'S'],
  ['ndrc-natural-gas', 2.165, 'kgCO2/m3', 'S'],
  ['ndrc-diesel', 3.0959, 'tCO2/t', 'S'],
  ['ndrc-gasoline', 2.9251, 'tCO2/t', 'S'],
  ['ndrc-lpg', 3.1013, 'tCO2/t', 'S'],
  ['ndrc-fuel-oil', 3.1705, 'tCO2/t', 'S'],
  ['ndrc-purchased-heat', 0.11, 'tCO2/GJ', 'S'],
];

describe('the shipped factor catalogue (config/factors.yaml)', () => {
  it('ships every figure of domain.md §2–3 with its unit, confidence mark and a source', () => {
    for (const [id, value, unit, confidence] of DOMAIN_VALUES) {
      expect(find(id), id).toMatchObject({ value, unit, confidence });
      expect(find(id)?.source.publisher, id).toBeTruthy();
    }
  });

  it('gives water no factor and enters no guessed equal-value figure', () => {
    expect(asCore.entries.filter((e) => e.carrier === 'water')).toEqual([]);
    expect(asCore.entries.filter((e) => e.basis === 'equal')).toEqual([]);
  });

  it('answers the queries a Ningxia report makes', () => {
    const northwest = selectFactor(asCore, { kind: 'emission', carrier: 'electricity', region: 'northwest', series: 'mee-grid-average', year: 2023 });
    expect('ok' in northwest && northwest.ok.entry.value).toBe(0.5543);
    const ningxia2026 = selectFactor(asCore, { kind: 'emission', carrier: 'electricity', region: 'ningxia', year: 2026 });
    expect('ok' in ningxia2026 && [ningxia2026.ok.entry.id, ningxia2026.ok.fallback?.usedYear]).toEqual(['mee-grid-2022-ningxia', 2022]);
    const national = selectFactor(asCore, { kind: 'emission', carrier: 'electricity', region: 'national', year: 2023 });
    expect('error' in national && national.error.code).toBe('FACTOR_AMBIGUOUS');
    const coal = selectFactor(asCore, { kind: 'standard_coal', carrier: 'electricity', basis: 'equivalent', year: 2026 });
    expect('ok' in coal && coal.ok.entry.value).toBe(0.1229);
    const diesel = selectFactor(asCore, { kind: 'emission', carrier: 'diesel', region: 'ningxia', year: 2026 });
    expect('ok' in diesel && diesel.ok.entry.unit).toBe('tCO2/t');
  });

  it('is the file the loader reads by default', () => {
    expect(parseFactorCatalogue(readFileSync(FACTOR_CATALOGUE_FILE, 'utf8'))).toEqual({ ok: shipped });
  });
});

describe('factor catalogue schema', () => {
  const base = `version: t
entries:
  - id: a
    kind: emission
    carrier: natural_gas
    series: s
    value: 2.165
    unit: kgCO2/m3
    confidence: S
    source: { publisher: p, document: d }
`;
  const problems = (yaml: string) => {
    const parsed = parseFactorCatalogue(yaml);
    return 'problems' in parsed ? parsed.problems.join('\n') : '';
  };

  it('accepts a minimal entry', () => {
    expect(problems(base)).toBe('');
  });

  it('refuses a standard-coal factor for water', () => {
    expect(problems(base.replace('kind: emission', 'kind: standard_coal').replace('natural_gas', 'water').replace('kgCO2/m3', 'kgce/m3'))).toMatch(/water/);
  });

  it('refuses a unit that does not fit the kind', () => {
    expect(problems(base.replace('kgCO2/m3', 'kgce/m3'))).toMatch(/unit/);
    expect(problems(base.replace('kgCO2/m3', 'kgCO2/kWh/h'))).toMatch(/unit/);
  });

  it('needs a basis for electricity standard coal, and only there', () => {
    const elec = base.replace('kind: emission', 'kind: standard_coal').replace('natural_gas', 'electricity').replace('kgCO2/m3', 'kgce/kWh');
    expect(problems(elec)).toMatch(/basis/);
    expect(problems(elec.replace('series: s', 'series: s\n    basis: equivalent'))).toBe('');
    expect(problems(base.replace('series: s', 'series: s\n    basis: equivalent'))).toMatch(/basis/);
  });

  it('refuses unknown keys, duplicate ids and overlapping entries, listing every problem', () => {
    expect(problems(base.replace('series: s', 'series: s\n    colour: red'))).toMatch(/colour/);
    const twice = base + base.split('entries:\n')[1];
    expect(problems(twice)).toMatch(/duplicate id/);
    const overlapping = `${base}${base.split('entries:\n')[1]!.replace('id: a', 'id: b')}`;
    expect(problems(overlapping)).toMatch(/overlaps/);
    const years = base.replace('series: s', 'series: s\n    year: 2022') + base.split('entries:\n')[1]!.replace('id: a', 'id: b').replace('series: s', 'series: s\n    year: 2023');
    expect(problems(years)).toBe('');
  });

  it('refuses year together with dates, and a fallback on a dated entry', () => {
    expect(problems(base.replace('series: s', "series: s\n    year: 2022\n    validFrom: '2022-01-01'"))).toMatch(/either year/);
    expect(problems(base.replace('series: s', "series: s\n    validFrom: '2022-01-01'\n    appliesUntilSuperseded: true"))).toMatch(/superseded/);
  });
});
