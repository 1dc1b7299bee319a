import { writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import { BROKER_SIDE_FAULTS, type FaultKind } from './support/fault-injector.js';
import type { ChaosResult } from './support/chaos-run.js';

/** The faults of tanhe's own side: the service, the store, the spool's disk. */
export const TANHE_SIDE_FAULTS: readonly FaultKind[] = [
  'service-sigkill',
  'service-sigkill-in-flush',
  'service-sigterm',
  'questdb-sigkill',
  'questdb-sigstop',
  'slow-store',
  'spool-disk-full',
];

/** The checks every chaos run must pass, whatever its size; prints the table (and writes it when asked). */
export function expectSurvived(result: ChaosResult, minFaults: number): void {
  console.error(result.table);
  const out = process.env.TANHE_CHAOS_OUT;
  if (out) writeFileSync(out, `${result.table}\n\nevents:\n${result.faults.events.join('\n')}\n`);
  // Every kind ran at least once (disk full only where the tmpfs could be mounted), and as many faults as planned.
  for (const kind of result.kinds) expect(result.faults.counts[kind], kind).toBeGreaterThan(0);
  if (result.diskFullAvailable && result.requestedKinds.includes('spool-disk-full')) {
    expect(result.kinds).toContain('spool-disk-full');
  }
  expect(Object.values(result.faults.counts).reduce((n, c) => n + c, 0)).toBeGreaterThanOrEqual(minFaults);
  // A kill during a flush hit a write on the wire, and kills hit records only the spool held.
  expect(result.faults.killsInFlush).toBeGreaterThan(0);
  expect(result.faults.replayedAfterKill.some((n) => n > 0)).toBe(true);
  expect(result.brokerAcked).toBe(result.published);
  const strict = process.env.TANHE_CHAOS_STRICT === '1';
  // Readings lost after a fault of tanhe's own side (the service, the store, the spool's disk): none.
  const lostOnOurSide = Object.entries(result.lostByFault).filter(
    ([kind]) => strict || !BROKER_SIDE_FAULTS.has(kind as FaultKind),
  );
  expect(lostOnOurSide).toEqual([]);
  const { lost: _lost, ...rest } = result.totals;
  expect(rest).toEqual({ duplicated: 0, unexpected: 0, wrongValue: 0, quarantined: 0 });
  expect(result.faults.brokerDropped).toBe(0);
  // No worker exited over a full spool disk: it holds the PUBACKs instead (ingest/receive-message.ts).
  expect(result.faults.exitsAfter['spool-disk-full'] ?? 0).toBe(0);
  // Each month equals the oracle's (a lost reading inside a month loses no energy); one whose edge reading
  // was lost cannot, and at least one month is compared.
  expect(result.months.filter((m) => !m.edgeLost).length).toBeGreaterThan(0);
  expect(result.months.filter((m) => !m.equal && !m.edgeLost)).toEqual([]);
}
