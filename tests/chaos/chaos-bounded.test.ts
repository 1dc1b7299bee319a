import { expect, it } from 'vitest';
import { expectSurvived, TANHE_SIDE_FAULTS } from './chaos-assertions.js';
import { runChaos } from './support/chaos-run.js';

// The bounded chaos run inside `npm test`: each fault of tanhe's own side (service, store, spool disk) once, in a
// seeded random order, while 4 800 readings (12 meters, 400 each: about four local days) are published; nothing
// may be lost. The broker-side faults, whose losses are Mosquitto's (docs/reliability.md), and the soak are in
// tests/chaos/chaos-suite.chaos.ts (npm run test:chaos).
it('stores every acknowledged reading exactly once and reports the oracle’s month under each tanhe-side fault', async () => {
  const result = await runChaos({
    meters: 12,
    perMeter: 400,
    faults: TANHE_SIDE_FAULTS.length,
    kinds: TANHE_SIDE_FAULTS,
    seed: Number(process.env.TANHE_CHAOS_SEED ?? 20261201),
    ratePerSecond: 400,
    gapMs: [200, 1500],
    settleTimeoutMs: 180_000,
  });
  expectSurvived(result, TANHE_SIDE_FAULTS.length - (result.diskFullAvailable ? 0 : 1));
  expect(result.totals.lost).toBe(0);
}, 900_000);
