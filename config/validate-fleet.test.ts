import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fleetSchema } from './fleet-schema.js';
import { validateFleet } from './validate-fleet.js';

/** The accounting settings of an institution (issue 3): schema and cross-checks. */

const base = {
  orgs: [{ id: 'nx', name: '宁夏', level: 'region' }],
  institutions: [
    {
      id: 'i1',
      name: 'i1',
      org: 'nx',
      type: 'hospital',
      floorAreaM2: [{ from: '2020-01-01', value: 1000 }],
      occupants: [{ from: '2020-01-01', value: 10 }],
    },
  ],
  buildings: [{ id: 'b1', institution: 'i1', name: 'A' }],
  meters: [
    { id: 'e', building: 'b1', carrier: 'electricity', unit: 'kWh' },
    { id: 'w', building: 'b1', carrier: 'water', unit: 'm3' },
  ],
};
const withInstitution = (extra: object, meters: object[] = []) => ({
  ...base,
  institutions: [{ ...base.institutions[0], ...extra }],
  meters: [...base.meters, ...meters],
});
const problems = (fleet: object) => validateFleet(fleetSchema.parse(fleet)).map((p) => `${p.path}: ${p.message}`);

describe('fleet accounting settings', () => {
  it('accepts a baseline, targets, instruments, factor variants and PV behind a meter', () => {
    const fleet = withInstitution(
      {
        baseline: { year: 2020, kgcePerM2: 18.48, kgcePerPerson: 329.56 },
        targets: [{ indicator: 'kgcePerM2', changePercent: -5, byYear: 2025 }],
        greenInstruments: [
          {
            id: 'gc',
            kind: 'green_certificate',
            energyKwh: 1000,
            vintageYear: 2026,
            retired: true,
            retiredOn: '2026-06-30',
          },
        ],
        factorVariants: { natural_gas: 'gas-field' },
      },
      [{ id: 'pv', building: 'b1', carrier: 'pv_generation', unit: 'kWh', behindMeter: 'e' }],
    );
    expect(problems(fleet)).toEqual([]);
  });

  it('rejects unknown keys and impossible values in the schema (strict)', () => {
    expect(
      fleetSchema.safeParse(withInstitution({ baseline: { year: 2020, kgcePerM2: 1, colour: 'red' } })).success,
    ).toBe(false);
    expect(
      fleetSchema.safeParse(
        withInstitution({
          greenInstruments: [{ id: 'gc', kind: 'green_certificate', energyKwh: 0, vintageYear: 2026, retired: true }],
        }),
      ).success,
    ).toBe(false);
    expect(
      fleetSchema.safeParse(
        withInstitution({ targets: [{ indicator: 'kgcePerCow', changePercent: -5, byYear: 2025 }] }),
      ).success,
    ).toBe(false);
    expect(fleetSchema.safeParse(withInstitution({ factorVariants: { plutonium: 'x' } })).success).toBe(false);
  });

  it('lists every cross-check problem at once, with its path', () => {
    const fleet = withInstitution(
      {
        baseline: { year: 2020, kgcePerM2: 18.48 },
        targets: [
          { indicator: 'kgcePerM2', changePercent: -5, byYear: 2020 },
          { indicator: 'waterM3PerPerson', changePercent: -6, byYear: 2025 },
          { indicator: 'kgcePerM2', changePercent: -4, byYear: 2020 },
        ],
        greenInstruments: [
          {
            id: 'gc',
            kind: 'green_certificate',
            energyKwh: 1,
            vintageYear: 2026,
            retired: false,
            retiredOn: '2026-06-30',
          },
          { id: 'gc', kind: 'green_power_contract', energyKwh: 1, vintageYear: 2026, retired: true },
        ],
      },
      [
        { id: 'pv', building: 'b1', carrier: 'pv_generation', unit: 'kWh', behindMeter: 'w' },
        { id: 'pv2', building: 'b1', carrier: 'electricity', unit: 'kWh', behindMeter: 'e' },
      ],
    );
    expect(problems(fleet)).toEqual([
      'fleet.institutions[0].targets[0].byYear: the target year 2020 must be after the baseline year 2020',
      'fleet.institutions[0].targets[1].indicator: the baseline has no waterM3PerPerson value to measure the target against',
      'fleet.institutions[0].targets[2].byYear: the target year 2020 must be after the baseline year 2020',
      'fleet.institutions[0].targets[2]: a second kgcePerM2 target for 2020',
      'fleet.institutions[0].greenInstruments[0].retiredOn: a retirement date is given but retired is false',
      'fleet.institutions[0].greenInstruments[1].id: duplicate instrument id "gc" (first at institutions[0].greenInstruments[0])',
      'fleet.meters[2].behindMeter: meter "w" meters water, not electricity',
      'fleet.meters[3].behindMeter: only a pv_generation meter feeds in behind another meter',
    ]);
  });

  it('a target needs a baseline; a baseline needs a value', () => {
    expect(
      problems(withInstitution({ targets: [{ indicator: 'kgcePerM2', changePercent: -5, byYear: 2025 }] })),
    ).toEqual(['fleet.institutions[0].targets[0]: a target needs a baseline (institutions[].baseline)']);
    expect(problems(withInstitution({ baseline: { year: 2020 } }))).toEqual([
      'fleet.institutions[0].baseline: a baseline needs at least one indicator value (kgcePerM2, kgcePerPerson, waterM3PerPerson, co2eKgPerM2)',
    ]);
  });
});

describe('virtual meters', () => {
  const vm = (id: string, expression: string, extra: object = {}) => ({
    id,
    institution: 'i1',
    carrier: 'electricity',
    unit: 'kWh',
    expression,
    ...extra,
  });
  const withVirtual = (virtualMeters: object[], meters: object[] = []) => ({
    ...base,
    institutions: [...base.institutions, { ...base.institutions[0], id: 'i2', name: 'i2' }],
    buildings: [...base.buildings, { id: 'b2', institution: 'i2', name: 'B' }],
    meters: [
      ...base.meters,
      { id: 'e-a', building: 'b1', carrier: 'electricity', unit: 'MWh', parent: 'e' },
      { id: 'e2', building: 'b2', carrier: 'electricity', unit: 'kWh' },
      ...meters,
    ],
    virtualMeters,
  });

  // Expressions, references and cycles are accounting's checks: accounting/core/validate-virtual-meters.test.ts.
  it('rejects unknown keys (strict schema)', () => {
    expect(fleetSchema.safeParse(withVirtual([vm('rest', 'e', { formula: 'e' })])).success).toBe(false);
  });

  it('the demo fleet defines the compound A unmetered electricity and validates', () => {
    const fleet = fleetSchema.parse(parse(readFileSync(new URL('./demo-fleet.yaml', import.meta.url), 'utf8')));
    expect(validateFleet(fleet)).toEqual([]);
    expect(fleet.virtualMeters.map((v) => [v.id, v.name])).toEqual([['gov-a-e-unmetered', '未计量（损耗等）']]);
  });
});
