import { describe, expect, it } from 'vitest';
import { createFleetRegistry } from '../../config/index.js';
import { createFleetView } from '../../accounting/index.js';
import { ALERT_RULES, type AlertRule } from '../../alerts/index.js';
import { processMessage } from '../../ingest/index.js';
import { DAY_MS, MINUTE_MS, type QuarantineRecord, type Reading } from '../../src/kernel/index.js';
import { loadAppConfig, type AppConfig } from '../../src/load-app-config.js';
import {
  createEncoder,
  DEMO_REGISTER_ORIGIN_MS,
  faultsFor,
  generateReadings,
  type SimReading,
} from '../../src/simulator/core/index.js';
import { readFactorCatalogue } from '../../config/index.js';
import { ruleFamilies } from '../../src/wire-alerts.js';
import { createStores } from '../../src/wire-stores.js';

/**
 * The first run shows every alert rule (issue 8 §9): the demo's seeded faults (config/demo.yaml
 * `simulator.faults`) over a short backfill, through ingest's real message processing into an
 * in-memory DuckDB through the real adapters, then one evaluation of the real rule families at the
 * backfill's end. Every rule kind of ALERT_RULES must raise at least once. The demo backfills 60
 * days; this test backfills BACKFILL_DAYS (enough for the baselines' minimum history) and scales the
 * demo's illustrative year-to-date quota (the last entry) by the same ratio, since it is sized
 * against 60 days of use.
 */
const BACKFILL_DAYS = 10;
const INTERVAL_MS = 15 * MINUTE_MS;
// Any instant: the faults are dense enough for every one (src/simulator/core/faults.ts).
const AS_OF_MS = Date.parse('2026-11-20T05:40:00Z');

function demoConfig(): AppConfig {
  const loaded = loadAppConfig('config/demo.yaml', {});
  const entries = loaded.alerts.quotas.entries;
  const last = entries.at(-1);
  if (last?.value === undefined) throw new Error('the demo has no year-to-date quota with a value');
  const scaled = { ...last, value: (last.value * BACKFILL_DAYS) / 60 };
  return {
    ...loaded,
    store: { ...loaded.store, kind: 'duckdb', duckdbPath: ':memory:' },
    alerts: { ...loaded.alerts, quotas: { ...loaded.alerts.quotas, entries: [...entries.slice(0, -1), scaled] } },
  };
}

describe('the demo faults raise every alert rule on the first evaluation', () => {
  it('one evaluation after a backfill raises each rule kind at least once', async () => {
    const config = demoConfig();
    const stores = createStores(config);
    await stores.init();
    try {
      const directory = createFleetRegistry(config.fleet);
      const encoder = createEncoder(config.fleet);
      const receivedAtMs = AS_OF_MS - MINUTE_MS;
      const readings: Reading[] = [];
      const quarantined: QuarantineRecord[] = [];
      let id = 0;
      const receive = (topic: string, payload: string) => {
        const outcome = processMessage(topic, new TextEncoder().encode(payload), {
          directory,
          topics: config.mqtt.topics,
          limits: config.ingest,
          nowMs: receivedAtMs,
        });
        for (const item of outcome.accepted) readings.push({ ...item, receivedAtMs, quality: 'ok' });
        for (const r of outcome.rejected) quarantined.push({ id: `demo-${++id}`, receivedAtMs, topic, ...r });
      };
      const events = generateReadings({
        fleet: config.fleet,
        seed: config.simulator.seed,
        fromMs: AS_OF_MS - BACKFILL_DAYS * DAY_MS,
        toMs: AS_OF_MS,
        intervalMs: INTERVAL_MS,
        registerOriginMs: DEMO_REGISTER_ORIGIN_MS,
        faults: faultsFor(config.simulator.faults),
        skewBaseMs: receivedAtMs,
      });
      for (const e of events) {
        if (e.kind === 'dropped') continue;
        const messages = e.kind === 'reading' ? encoder.encode([e as SimReading]) : [encoder.encodeMalformed(e)];
        for (const m of messages) receive(m.topic, m.payload);
      }
      for (let k = 0; k < readings.length; k += 20_000) await stores.readings.write(readings.slice(k, k + 20_000), []);
      await stores.readings.write([], quarantined);
      await stores.readings.sync();

      const families = ruleFamilies({
        config,
        fleetView: createFleetView(config.fleet),
        catalogue: readFactorCatalogue(config),
        stores,
      }).all;
      const raised = new Map<AlertRule, number>();
      for (const family of families) {
        for (const f of await family.evaluate(AS_OF_MS)) {
          if (f.verdict === 'raise') raised.set(f.rule, (raised.get(f.rule) ?? 0) + 1);
        }
      }
      const missing = ALERT_RULES.filter((rule) => !raised.has(rule));
      expect(missing).toEqual([]);
    } finally {
      await stores.close();
    }
  }, 600_000);
});
