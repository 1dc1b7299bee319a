import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEMO_CONFIG_FILE, type ConfigProblem } from '../config/index.js';
import { isAppError } from './kernel/index.js';
import { loadAppConfig } from './load-app-config.js';

const dir = mkdtempSync(join(tmpdir(), 'tanhe-app-config-'));
function write(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(content));
  return file;
}

function problemsOf(file: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadAppConfig(file, env);
  } catch (error) {
    if (isAppError(error) && error.code === 'CONFIG_INVALID') {
      return (error.details as ConfigProblem[]).map((p) => `${p.path}: ${p.message}`);
    }
    throw error;
  }
  return [];
}

const fleet = {
  orgs: [{ id: 'nx', name: '宁夏', level: 'region' }],
  institutions: [
    {
      id: 'i1',
      name: 'i1',
      org: 'nx',
      type: 'school',
      floorAreaM2: [{ from: '2020-01-01', value: 1000 }],
      occupants: [{ from: '2020-01-01', value: 10 }],
    },
  ],
  buildings: [{ id: 'b1', institution: 'i1', name: 'A' }],
  meters: [{ id: 'e', building: 'b1', carrier: 'electricity', unit: 'kWh' }],
};

describe('loadAppConfig', () => {
  it('adds the simulator section, with its defaults and environment overrides', () => {
    const file = write('sim.yaml', { fleet });
    const defaults = {
      enabled: false,
      backfillDays: 60,
      backfillIntervalMinutes: 15,
      liveIntervalMs: 15_000,
      seed: 42,
      faults: [],
    };
    expect(loadAppConfig(file, {}).simulator).toEqual(defaults);
    const overridden = loadAppConfig(file, { TANHE_SIMULATOR: 'true', TANHE_SIMULATOR_BACKFILL_DAYS: '3' }).simulator;
    expect([overridden.enabled, overridden.backfillDays]).toEqual([true, 3]);
  });

  it('lists settings, simulator, fleet and virtual-meter problems together, each with its path', () => {
    const file = write('bad.yaml', {
      http: { port: 'eighty' },
      simulator: { faults: ['gremlins'], colour: 'red' },
      fleet: {
        ...fleet,
        meters: [...fleet.meters, { id: 'e', building: 'nowhere', carrier: 'electricity', unit: 'kWh' }],
        virtualMeters: [
          { id: 'rest', institution: 'i1', carrier: 'electricity', unit: 'kWh', expression: 'e - ghost' },
        ],
      },
    });
    const problems = problemsOf(file);
    expect(problems.map((p) => p.slice(0, p.indexOf(':'))).sort()).toEqual(
      [
        'http.port',
        'simulator',
        'simulator.faults[0]',
        'fleet.meters[1].id',
        'fleet.meters[1].building',
        'fleet.virtualMeters[0].expression',
      ].sort(),
    );
    // Virtual-meter problems come last, after config's own fleet checks, as before they moved to accounting.
    expect(problems.at(-1)).toBe('fleet.virtualMeters[0].expression: unknown meter "ghost" (position 4)');
  });
});

describe('shipped configs', () => {
  it('config/example.yaml and config/demo.yaml load without problems', () => {
    const here = join(DEMO_CONFIG_FILE, '..');
    expect(loadAppConfig(join(here, 'example.yaml'), {}).store.kind).toBe('questdb');
    const demo = loadAppConfig(DEMO_CONFIG_FILE, {});
    expect(demo.simulator.enabled).toBe(true);
    expect(demo.fleet.meters.length).toBeGreaterThanOrEqual(40);
  });
});
