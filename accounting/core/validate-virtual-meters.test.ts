import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fleetSchema } from '../../config/index.js';
import { validateVirtualMeters } from './validate-virtual-meters.js';

/** Virtual meters (issue 3 §5): the fleet checks that need the expression grammar and the unit factors. */

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
const problems = (fleet: object) =>
  validateVirtualMeters(fleetSchema.parse(fleet)).map((p) => `${p.path}: ${p.message}`);

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

  it('accepts real and virtual references in convertible units', () => {
    expect(
      problems(
        withVirtual([vm('rest', 'e - e-a', { name: '未计量（损耗等）' }), vm('half', '0.5 * rest', { unit: 'MWh' })]),
      ),
    ).toEqual([]);
  });

  it('lists every problem with its path: parse errors with position, unknown ids, clashes, carriers, institutions, cycles', () => {
    expect(
      problems(
        withVirtual([
          vm('e', 'e-a'),
          vm('bad', 'e - (e-a'),
          vm('ghost', 'e - nope'),
          vm('wet', 'e - w'),
          vm('far', 'e - e2'),
          vm('x', 'e - y'),
          vm('y', '0.5 * x'),
          vm('self', 'self + e'),
          vm('water', 'w', { carrier: 'water', unit: 'kWh' }),
          vm('x', 'e'),
        ]),
      ),
    ).toEqual([
      'fleet.virtualMeters[9].id: duplicate id "x" (first at virtualMeters[5])',
      'fleet.virtualMeters[0].id: "e" is already a meter id',
      'fleet.virtualMeters[1].expression: expected ")" at position 8',
      'fleet.virtualMeters[2].expression: unknown meter "nope" (position 4)',
      'fleet.virtualMeters[3].expression: meter "w" (position 4) meters water, this virtual meter electricity',
      'fleet.virtualMeters[4].expression: meter "e2" (position 4) belongs to institution "i2", not "i1"',
      'fleet.virtualMeters[8].unit: unit "kWh" is not allowed for water (allowed: m3, t)',
      'fleet.virtualMeters[5].expression: cycle among virtual meters: x → y → x',
      'fleet.virtualMeters[7].expression: cycle among virtual meters: self → self',
    ]);
  });

  it('the demo fleet passes', () => {
    const fleet = fleetSchema.parse(
      parse(readFileSync(new URL('../../config/demo-fleet.yaml', import.meta.url), 'utf8')),
    );
    expect(validateVirtualMeters(fleet)).toEqual([]);
  });
});
