import { describe, expect, it } from 'vitest';
import { fleetSchema } from '../config/index.js';
import { healthSettingsCheck, healthSettingsSchema } from './settings/health-settings.js';

const fleet = fleetSchema.parse({
  orgs: [{ id: 'nx', name: '宁夏', level: 'region' }],
  institutions: [
    {
      id: 'i1',
      name: '单位',
      org: 'nx',
      type: 'school',
      floorAreaM2: [{ from: '2020-01-01', value: 100 }],
      occupants: [{ from: '2020-01-01', value: 10 }],
    },
  ],
  buildings: [{ id: 'b1', institution: 'i1', name: '楼' }],
  meters: [
    { id: 'main', building: 'b1', carrier: 'electricity', unit: 'kWh' },
    { id: 'sub', building: 'b1', carrier: 'electricity', unit: 'kWh', parent: 'main' },
  ],
});

describe('alerts.health settings', () => {
  it('has a default for every threshold', () => {
    const s = healthSettingsSchema.parse({});
    expect(s.offline.afterIntervals).toBe(4);
    expect(s.stuck.flatHours).toBe(6);
    expect(s.held.windowHours).toBe(24);
    expect(s.clockSkew.toleranceMinutes).toBe(10);
    expect(s.imbalance.thresholdPercent).toBe(10);
    expect(s.quarantineRate).toMatchObject({ thresholdPercent: 5, minCount: 3 });
  });

  it('refuses a clear threshold above its raise threshold and unknown keys', () => {
    expect(healthSettingsSchema.safeParse({ offline: { afterIntervals: 4, after: 2 } }).success).toBe(false);
    const imbalance = healthSettingsSchema.safeParse({ imbalance: { thresholdPercent: 5, clearPercent: 8 } });
    expect(imbalance.error?.issues.map((i) => i.path.join('.'))).toEqual(['imbalance.clearPercent']);
    const band = healthSettingsSchema.safeParse({ clockSkew: { toleranceMinutes: 5, clearToleranceMinutes: 8 } });
    expect(band.error?.issues.map((i) => i.path.join('.'))).toEqual(['clockSkew.clearToleranceMinutes']);
  });

  it('checks the per-meter losses name parent meters of the fleet', () => {
    const settings = {
      alerts: { health: { imbalance: { expectedLossPercentByMeter: { main: 3, sub: 1, ghost: 1 } } } },
    };
    expect(healthSettingsCheck(settings, fleet).map((p) => p.path)).toEqual([
      'alerts.health.imbalance.expectedLossPercentByMeter.sub',
      'alerts.health.imbalance.expectedLossPercentByMeter.ghost',
    ]);
    expect(healthSettingsCheck({}, fleet)).toEqual([]);
  });
});
