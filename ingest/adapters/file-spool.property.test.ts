import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { SpoolRecord } from '../core/index.js';
import { FileSpool } from './file-spool.js';

/**
 * The spool's law: whatever the interleaving of appends, partial reads, commits
 * and restarts (reopen without commit = a crash after the store write), every
 * appended record is delivered in append order, and a record is delivered again
 * only if its batch was not committed before the restart.
 */
type Step = { op: 'append'; count: number } | { op: 'drain'; max: number; commit: boolean } | { op: 'restart' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('append' as const), count: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ op: fc.constant('drain' as const), max: fc.integer({ min: 1, max: 50 }), commit: fc.boolean() }),
  fc.record({ op: fc.constant('restart' as const) }),
);

const record = (n: number): SpoolRecord => ({
  kind: 'reading',
  reading: { meterId: `m${n % 5}`, tsMs: 1_790_000_000_000 + n, value: n / 8, seq: n, receivedAtMs: n, quality: 'ok' },
});

it('delivers every record in order, again only when its batch was not committed', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), fc.integer({ min: 200, max: 2000 }), (steps, segmentBytes) => {
      const dir = mkdtempSync(join(tmpdir(), 'tanhe-spool-prop-'));
      const open = () => new FileSpool({ dir, maxBytes: 1 << 30, segmentBytes, fsync: 'none', fsyncIntervalMs: 1000 });
      try {
        let spool = open();
        let appended = 0;
        let committed = 0; // records before this index are confirmed
        let readUpTo = committed; // next record the spool should deliver
        for (const s of [...steps, { op: 'drain', max: 1_000_000, commit: true } as Step]) {
          if (s.op === 'append') {
            for (let i = 0; i < s.count; i++) spool.append([record(appended++)]);
          } else if (s.op === 'restart') {
            spool.close();
            spool = open();
            expect(spool.recoveredRecords).toBe(appended - committed);
            readUpTo = committed;
          } else {
            const batch = spool.read(s.max);
            const expected = Array.from({ length: Math.min(s.max, appended - readUpTo) }, (_, i) =>
              record(readUpTo + i),
            );
            expect(batch.records).toEqual(expected);
            readUpTo += batch.records.length;
            if (s.commit) {
              spool.commit(batch.end, readUpTo - committed);
              committed = readUpTo;
              expect(spool.backlogRecords()).toBe(appended - committed);
            }
          }
        }
        expect(committed).toBe(appended);
        expect(spool.backlogBytes()).toBe(0);
        spool.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 150 },
  );
});
