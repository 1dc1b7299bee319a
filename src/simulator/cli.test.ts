import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../load-app-config.js';
import { DAY_MS, isAppError } from '../kernel/index.js';
import { parseSimulateArgs } from './cli.js';

const config = loadAppConfig('config/demo.yaml', {});
const nowMs = Date.parse('2026-11-29T10:07:31Z');

describe('tanhe simulate flags', () => {
  it('defaults to the config: broker url, backfill days ending now (on the interval), seed, no faults', () => {
    const { options, faultKinds, dryRun } = parseSimulateArgs([], config, nowMs, 77);
    expect(options.mqttUrl).toBe('mqtt://127.0.0.1:1883');
    expect(options.toMs).toBe(Date.parse('2026-11-29T10:00:00Z'));
    expect(options.toMs - options.fromMs).toBe(config.simulator.backfillDays * DAY_MS);
    expect(options.seed).toBe(config.simulator.seed);
    expect(options.live).toBe(false);
    expect(options.clientId).toBe('tanhe-simulator-77');
    expect(faultKinds).toEqual([]);
    expect(options.faults).toEqual({});
    expect(dryRun).toBe(false);
  });

  it('reads every flag', () => {
    const { options, faultKinds } = parseSimulateArgs(
      [
        '--url',
        'mqtt://broker:1884',
        '--from',
        '2026-10-01',
        '--to',
        '2026-10-03T00:00:00+08:00',
        '--live',
        '--live-interval-ms',
        '5000',
        '--rate',
        '200',
        '--faults',
        'reset,dropout',
        '--fault-scale',
        '2',
        '--seed',
        '7',
        '--batch-size',
        '48',
        '--json-timestamps',
        'epoch',
      ],
      config,
      nowMs,
    );
    expect(options).toMatchObject({
      mqttUrl: 'mqtt://broker:1884',
      fromMs: Date.parse('2026-10-01T00:00:00+08:00'),
      toMs: Date.parse('2026-10-03T00:00:00+08:00'),
      live: true,
      liveIntervalMs: 5000,
      ratePerSecond: 200,
      seed: 7,
      batchSize: 48,
      jsonTimestamps: 'epoch',
    });
    expect(faultKinds).toEqual(['reset', 'dropout']);
    expect(options.faults.reset?.perMeterDay).toBeCloseTo(0.01);
  });

  it('lists every problem at once as CONFIG_INVALID', () => {
    let error: unknown;
    try {
      parseSimulateArgs(
        ['--faults', 'reset,bogus', '--seed', 'x', '--from', 'yesterday', '--url', 'http://x'],
        config,
        nowMs,
      );
    } catch (e) {
      error = e;
    }
    expect(isAppError(error) && error.code).toBe('CONFIG_INVALID');
    expect(isAppError(error) && (error.details as string[]).length).toBe(4);
  });
});
