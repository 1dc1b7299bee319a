import { it } from 'vitest';
import { expectSurvived } from './chaos-assertions.js';
import { runChaos } from './support/chaos-run.js';
import { FAULT_KINDS, type FaultKind } from './support/fault-injector.js';

/**
 * `npm run test:chaos`: the full chaos suite; with TANHE_CHAOS_SOAK=1 the soak
 * (≥ 700 000 readings, ≥ 100 faults; its figures are in docs/reliability.md).
 * TANHE_CHAOS_SEED repeats a run's fault sequence; TANHE_CHAOS_OUT writes its table and events to a file;
 * TANHE_CHAOS_KINDS=a,b draws the faults from those kinds only (e.g. to measure one kind's losses).
 */
const soak = process.env.TANHE_CHAOS_SOAK === '1';
const seed = Number(process.env.TANHE_CHAOS_SEED ?? 12);
const kinds = faultKinds(process.env.TANHE_CHAOS_KINDS);

function faultKinds(list: string | undefined): readonly FaultKind[] | undefined {
  if (list === undefined || list === '') return undefined;
  const named = list.split(',').map((k) => k.trim());
  const unknown = named.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new Error(`TANHE_CHAOS_KINDS: unknown ${unknown.join(', ')}; known: ${FAULT_KINDS.join(', ')}`);
  return named as FaultKind[];
}

it(
  soak ? 'soak: 700 000 readings under 104 faults' : 'chaos: 60 000 readings under 30 faults',
  async () => {
    const result = await runChaos(
      soak
        ? {
            meters: 20,
            perMeter: 35_000,
            faults: 104,
            seed,
            ratePerSecond: 1500,
            gapMs: [300, 2500],
            settleTimeoutMs: 900_000,
            ...(kinds ? { kinds } : {}),
          }
        : {
            meters: 20,
            perMeter: 3000,
            faults: 30,
            seed,
            ratePerSecond: 800,
            gapMs: [300, 3000],
            settleTimeoutMs: 300_000,
            ...(kinds ? { kinds } : {}),
          },
    );
    expectSurvived(result, soak ? 100 : 30);
  },
  4 * 3_600_000,
);
