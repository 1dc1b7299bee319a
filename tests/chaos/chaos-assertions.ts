import { writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import { FAULT_KINDS } from './support/fault-injector.js';
import type { ChaosResult } from './support/chaos-run.js';

/** The checks every chaos run must pass, whatever its size; prints the table (and writes it when asked). */
export function expectSurvived(result: ChaosResult, minFaults: number): void {
  console.error(result.table);
  const out = process.env.TANHE_CHAOS_OUT;
  if (out) writeFileSync(out, `${result.table}\n\nevents:\n${result.faults.events.join('\n')}\n`);
  // Every kind ran at least once (disk full only where the tmpfs could be mounted), and as many faults as planned.
  for (const kind of FAULT_KINDS) {
    if (kind === 'spool-disk-full' && !result.diskFullAvailable) continue;
    expect(result.faults.counts[kind], kind).toBeGreaterThan(0);
  }
  expect(Object.values(result.faults.counts).reduce((n, c) => n + c, 0)).toBeGreaterThanOrEqual(minFaults);
  // A kill during a flush hit a write on the wire, and kills hit records only the spool held.
  expect(result.faults.killsInFlush).toBeGreaterThan(0);
  expect(result.faults.replayedAfterKill.some((n) => n > 0)).toBe(true);
  expect(result.brokerAcked).toBe(result.published);
  expect(result.totals).toEqual({ lost: 0, duplicated: 0, unexpected: 0, wrongValue: 0, quarantined: 0 });
  expect(result.faults.brokerDropped).toBe(0);
  expect(result.months.length).toBeGreaterThan(0);
  expect(result.months.filter((m) => !m.equal)).toEqual([]);
}
