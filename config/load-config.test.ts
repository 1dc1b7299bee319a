import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { AppError } from '../src/kernel/index.js';
import { configFileFrom, DEMO_CONFIG_FILE, loadConfig } from './load-config.js';
import type { Fleet } from './fleet-schema.js';
import type { ConfigProblem } from './validate-fleet.js';

const dir = mkdtempSync(join(tmpdir(), 'tanhe-config-'));
function write(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  return file;
}

const institution = (id: string, org: string, area = 1000) => ({
  id,
  name: id,
  org,
  type: 'school',
  floorAreaM2: [{ from: '2020-01-01', value: area }],
  occupants: [{ from: '2020-01-01', value: 10 }],
});
const meter = (id: string, extra: object = {}) => ({
  id,
  building: 'b1',
  carrier: 'electricity',
  unit: 'kWh',
  ...extra,
});
const validFleet = {
  orgs: [
    { id: 'nx', name: '宁夏', level: 'region' },
    { id: 'yc', name: '银川', level: 'city', parent: 'nx' },
  ],
  institutions: [institution('i1', 'yc')],
  buildings: [{ id: 'b1', institution: 'i1', name: 'A' }],
  meters: [meter('m1'), meter('m2', { parent: 'm1', endUse: '01A00' })],
};

function problemsOf(file: string, env: NodeJS.ProcessEnv = {}): ConfigProblem[] {
  try {
    loadConfig(file, env);
  } catch (error) {
    if (error instanceof AppError && error.code === 'CONFIG_INVALID') return error.details as ConfigProblem[];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('loads a valid config with defaults and freezes it', () => {
    const config = loadConfig(write('ok.yaml', { fleet: validFleet }), {});
    expect(config.http.port).toBe(8080);
    expect(config.store.kind).toBe('duckdb');
    expect(config.fleet.institutions[0]?.timezone).toBe('Asia/Shanghai');
    expect(Object.isFrozen(config.fleet.meters[0])).toBe(true);
  });

  it('refuses several broker connections with the embedded broker, which has no shared subscriptions', () => {
    expect(loadConfig(write('one.yaml', { fleet: validFleet }), {}).mqtt.connections).toBe(1);
    const external = { mqtt: { embedded: false, connections: 4 }, fleet: validFleet };
    expect(loadConfig(write('external.yaml', external), {}).mqtt.connections).toBe(4);
    expect(() => loadConfig(write('shared.yaml', { mqtt: { connections: 4 }, fleet: validFleet }), {})).toThrow(
      /mqtt\.connections.*embedded broker has no shared subscriptions/s,
    );
  });

  it('lists every problem at once, each with the path of the offending key', () => {
    const file = write('bad.yaml', {
      http: { port: 'eighty', colour: 'blue' },
      fleet: {
        orgs: [
          { id: 'nx', name: '宁夏', level: 'region' },
          { id: 'nx', name: 'again', level: 'city', parent: 'nowhere' },
        ],
        institutions: [institution('i1', 'nx', 0)],
        buildings: [{ id: 'b1', institution: 'i1', name: 'A' }],
        meters: [
          meter('m1', { parent: 'm3' }),
          meter('m2', { unit: 'm3' }),
          meter('m3', { parent: 'm1' }),
          meter('m4', { parent: 'ghost' }),
          meter('m1'),
        ],
      },
    });
    const problems = problemsOf(file);
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        'http',
        'http.port',
        'fleet.orgs[1].id',
        'fleet.orgs[1].parent',
        'fleet.institutions[0].floorAreaM2[0].value',
        'fleet.meters[4].id',
        'fleet.meters[1].unit',
        'fleet.meters[3].parent',
        'fleet.meters[0].parent',
      ].sort(),
    );
    const refs = problems;
    expect(refs.find((p) => p.path === 'fleet.meters[0].parent')?.message).toMatch(/cycle/);
  });

  it('reports unknown keys, bad enums and a missing fleet', () => {
    const problems = problemsOf(write('enum.yaml', { spool: { fsync: 'sometimes' }, store: { kind: 'influx' } }));
    expect(problems.map((p) => p.path).sort()).toEqual(['fleet', 'spool.fsync', 'store.kind']);
    expect(problemsOf(write('nofleet.yaml', {})).map((p) => p.path)).toEqual(['fleet']);
  });

  it('lets the environment override the file, and reads secrets only from the environment', () => {
    const file = write('env.yaml', { http: { port: 9000 }, fleet: validFleet });
    const config = loadConfig(file, { TANHE_HTTP_PORT: '9100', TANHE_STORE: 'questdb', TANHE_MQTT_PASSWORD: 's3cret' });
    expect(config.http.port).toBe(9100);
    expect(config.store.kind).toBe('questdb');
    expect(config.secrets.mqttPassword).toBe('s3cret');
  });

  it('refuses a password in the file: secrets are environment-only', () => {
    const problems = problemsOf(write('secret.yaml', { mqtt: { password: 'x' }, fleet: validFleet }));
    expect(problems.map((p) => p.path)).toEqual(['mqtt']);
  });

  it('fails with CONFIG_UNREADABLE for a missing file or broken YAML', () => {
    expect(() => loadConfig(join(dir, 'missing.yaml'), {})).toThrow(
      expect.objectContaining({ code: 'CONFIG_UNREADABLE' }),
    );
    expect(() => loadConfig(write('broken.yaml', 'http: [\n'), {})).toThrow(
      expect.objectContaining({ code: 'CONFIG_UNREADABLE' }),
    );
  });

  it('chooses --config over TANHE_CONFIG over the demo', () => {
    expect(configFileFrom(['--config', '/a.yaml'], { TANHE_CONFIG: '/b.yaml' })).toBe('/a.yaml');
    expect(configFileFrom(['--config=/a.yaml'], {})).toBe('/a.yaml');
    expect(configFileFrom([], { TANHE_CONFIG: '/b.yaml' })).toBe('/b.yaml');
    expect(configFileFrom([], {})).toBe(DEMO_CONFIG_FILE);
  });
});

describe('loadConfig with an extension', () => {
  const extension = {
    sections: { extra: z.strictObject({ level: z.number().int().default(1) }).prefault({}) },
    envOverrides: { TANHE_TEST_EXTRA_LEVEL: 'extra.level' },
    fleetChecks: [
      (fleet: Fleet) =>
        fleet.meters.some((m) => m.id === 'm2') ? [{ path: 'fleet.meters[1]', message: 'no m2' }] : [],
    ],
  };

  it('adds the sections with their defaults and environment overrides', () => {
    const file = write('ext.yaml', { fleet: validFleet });
    expect(loadConfig(file, {}, { sections: extension.sections }).extra.level).toBe(1);
    expect(loadConfig(file, { TANHE_TEST_EXTRA_LEVEL: '3' }, { ...extension, fleetChecks: [] }).extra.level).toBe(3);
  });

  it('keeps unknown keys errors inside and outside the sections, and lists the fleet checks with the rest', () => {
    const bad = { extra: { level: 2, colour: 'red' }, other: {}, http: { port: -1 }, fleet: validFleet };
    const file = write('ext-bad.yaml', bad);
    // Without the extension, its section is one more unknown key.
    expect(
      problemsOf(file, {})
        .map((p) => p.path)
        .sort(),
    ).toEqual(['(root)', 'http.port']);
    const withExtension = (env: NodeJS.ProcessEnv = {}) => {
      try {
        loadConfig(file, env, extension);
      } catch (error) {
        if (error instanceof AppError && error.code === 'CONFIG_INVALID') return error.details as ConfigProblem[];
        throw error;
      }
      return [];
    };
    const paths = withExtension().map((p) => p.path);
    expect(paths.sort()).toEqual(['(root)', 'extra', 'fleet.meters[1]', 'http.port'].sort());
  });

  it('refuses a section that config/ already defines', () => {
    const file = write('ext-clash.yaml', { fleet: validFleet });
    expect(() => loadConfig(file, {}, { sections: { http: z.strictObject({}) } })).toThrow(/already defined/);
  });
});

describe('factor catalogues in the configuration', () => {
  it('lists a site catalogue problem beside the other problems of the file', () => {
    const catalogue = write('site-factors.yaml', { version: 'site@1', entries: [{ id: 'bad-entry' }] });
    const missing = join(dir, 'no-such-catalogue.yaml');
    const file = write('with-catalogues.yaml', {
      http: { port: -1 },
      factors: { extraCatalogues: [catalogue, missing] },
      fleet: validFleet,
    });
    const paths = problemsOf(file).map((p) => p.path);
    expect(paths).toContain('http.port');
    expect(paths).toContain(`${missing}: (file)`);
    expect(paths.filter((p) => p.startsWith(`${catalogue}: entries.0.`)).length).toBeGreaterThan(0);
  });
});
