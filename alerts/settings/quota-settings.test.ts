import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig, type ConfigProblem } from '../../config/index.js';
import { isAppError } from '../../src/kernel/index.js';
import { ALERTS_CONFIG } from '../alert-settings.js';
import { quotaValueOf } from './quota-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'tanhe-quota-settings-'));
const fleet = {
  orgs: [{ id: 'nx', name: '宁夏', level: 'region' }],
  institutions: [
    {
      id: 'i1',
      name: '学校',
      org: 'nx',
      type: 'school',
      floorAreaM2: [{ from: '2020-01-01', value: 1000 }],
      occupants: [{ from: '2020-01-01', value: 10 }],
    },
  ],
  buildings: [{ id: 'b1', institution: 'i1', name: 'A' }],
  meters: [{ id: 'm1', building: 'b1', carrier: 'electricity', unit: 'kWh' }],
};
const manual = { kind: 'manual', citation: '机关事务管理局 2026-01-05 会议纪要' };

function load(quotas: unknown) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify({ fleet, ...(quotas === undefined ? {} : { alerts: { quotas } }) }));
  return loadConfig(file, {}, ALERTS_CONFIG);
}

function problemsOf(quotas: unknown): ConfigProblem[] {
  try {
    load(quotas);
  } catch (error) {
    if (isAppError(error) && error.code === 'CONFIG_INVALID') return error.details as ConfigProblem[];
    throw error;
  }
  return [];
}

describe('alerts.quotas settings', () => {
  it('load with their defaults when the config has no alerts section', () => {
    const quotas = load(undefined).alerts.quotas;
    expect(quotas.entries).toEqual([]);
    expect(quotas.thresholds.prorated.map((t) => t.percent)).toEqual([80, 100]);
    expect(quotas.thresholds.annual.map((t) => t.percent)).toEqual([80, 100]);
    expect(quotas.thresholds.projection.map((t) => t.percent)).toEqual([100]);
    expect(quotas.hysteresisPoints).toBe(2);
  });

  it('compute a historical quota as the baseline less the reduction, and default to a flat allocation', () => {
    const [entry] = load({
      entries: [
        {
          institution: 'i1',
          year: 2026,
          metric: 'tce',
          source: { kind: 'historical', baselineYear: 2025, baselineValue: 200, reductionPercent: 5, citation: 'x' },
        },
      ],
    }).alerts.quotas.entries;
    expect(entry && quotaValueOf(entry)).toBeCloseTo(190, 9);
    expect(entry?.allocation).toEqual({ kind: 'flat' });
  });

  it('list every problem against the fleet and between entries, each with its path', () => {
    const problems = problemsOf({
      entries: [
        { institution: 'nobody', year: 2026, metric: 'tce', value: 10, source: manual },
        { institution: 'i1', year: 2026, metric: 'tce', value: 10, source: manual },
        { institution: 'i1', year: 2026, metric: 'tce', value: 12, source: manual },
        { institution: 'i1', year: 2026, metric: 'co2_t', carrier: 'water', value: 1, source: manual },
        {
          institution: 'i1',
          year: 2026,
          metric: 'kgce_per_m2',
          carrier: 'electricity',
          endUse: '01A00',
          value: 1,
          source: manual,
        },
        { institution: 'i1', year: 2026, metric: 'tce', carrier: 'electricity', source: manual },
        {
          institution: 'i1',
          year: 2026,
          metric: 'kgce_per_person',
          value: 100,
          source: { kind: 'historical', baselineYear: 2026, baselineValue: 200, reductionPercent: 10, citation: 'x' },
        },
      ],
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual([
      'alerts.quotas.entries[0].institution',
      'alerts.quotas.entries[2]',
      'alerts.quotas.entries[3].metric',
      'alerts.quotas.entries[4].endUse',
      'alerts.quotas.entries[5].value',
      'alerts.quotas.entries[6].source.baselineYear',
      'alerts.quotas.entries[6].value',
    ]);
  });

  it('refuse a co2_t quota over grid electricity of an institution without a grid region, and only that', () => {
    const co2 = { institution: 'i1', year: 2026, metric: 'co2_t', value: 5, source: manual };
    const problems = problemsOf({
      entries: [co2, { ...co2, carrier: 'electricity' }, { ...co2, carrier: 'natural_gas' }, { ...co2, metric: 'tce' }],
    });
    expect(problems.map((p) => p.path)).toEqual(['alerts.quotas.entries[0].metric', 'alerts.quotas.entries[1].metric']);
    expect(problems[0]?.message).toContain('gridRegion');
  });

  it('refuse seasonal weights that are not 12 positive numbers, and unknown keys', () => {
    const problems = problemsOf({
      entries: [
        {
          institution: 'i1',
          year: 2026,
          metric: 'tce',
          value: 10,
          source: { kind: 'standard', tier: 'constraint', citation: 'GB/T 51161-2016' },
          allocation: { kind: 'seasonal', weights: [1, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1] },
        },
      ],
      surprise: true,
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toContain('alerts.quotas.entries[0].allocation.weights');
    expect(paths).toContain('alerts.quotas.entries[0].allocation.weights[2]');
    expect(paths.some((p) => p.startsWith('alerts.quotas'))).toBe(true);
    expect(problems.length).toBeGreaterThanOrEqual(3);
  });
});
