import { describe, expect, it } from 'vitest';
import { fleetSchema, validateFleet } from '../../config/index.js';
import { fleetWarnings } from './fleet-warnings.js';

const fleet = fleetSchema.parse({
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
    { id: 'rated', building: 'b1', carrier: 'electricity', unit: 'kWh', ratedMaxPerHour: 500 },
    { id: 'unrated', building: 'b1', carrier: 'electricity', unit: 'MWh' },
    { id: 'interval', building: 'b1', carrier: 'water', unit: 'm3', register: 'interval' },
  ],
});

describe('fleet warnings', () => {
  it('warns about a cumulative meter without a rating, naming the ceiling in its unit', () => {
    const warnings = fleetWarnings(fleet);
    expect(warnings.map((w) => w.path)).toEqual(['fleet.meters[1].ratedMaxPerHour']);
    expect(warnings[0]?.message).toContain('50 MWh per hour');
  });

  it('is a warning, not an error: the same fleet validates', () => {
    expect(validateFleet(fleet)).toEqual([]);
  });

  it('is silent when every cumulative meter is rated', () => {
    expect(fleetWarnings({ meters: fleet.meters.filter((m) => m.id !== 'unrated') })).toEqual([]);
  });
});
