import { it } from 'vitest';
import { expectSurvived } from './chaos-assertions.js';
import { runChaos } from './support/chaos-run.js';
import { FAULT_KINDS } from './support/fault-injector.js';

// The bounded chaos run inside `npm test`: every fault kind once, in a seeded random order, while 4 800
// readings (12 meters, 400 each: about four local days) are published. The full suite and the soak are
// tests/chaos/chaos-suite.chaos.ts (npm run test:chaos; docs/reliability.md).
it('stores every acknowledged reading exactly once and reports the oracle’s month under one fault of each kind', async () => {
  const result = await runChaos({
    meters: 12,
    perMeter: 400,
    faults: FAULT_KINDS.length,
    seed: Number(process.env.TANHE_CHAOS_SEED ?? 20261201),
    ratePerSecond: 400,
    gapMs: [200, 1500],
    settleTimeoutMs: 180_000,
  });
  expectSurvived(result, FAULT_KINDS.length - (result.diskFullAvailable ? 0 : 1));
}, 600_000);
