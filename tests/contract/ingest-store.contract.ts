import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReadingStore } from '../../ingest/index.js';
import type { QuarantineRecord, Reading } from '../../src/kernel/index.js';
import { ALL, quarantined, reading, SECOND, T0 } from './contract-fixtures.js';

/**
 * One contract for ingest's store in every engine (ingest/ports.ts ReadingStore):
 * same inputs, same answers. Every test gets a fresh, initialised, empty store
 * from `makeStore`.
 */
export interface ReadingStoreUnderTest {
  readonly store: ReadingStore;
  readonly cleanup: () => Promise<void>;
}

export function ingestStoreContract(name: string, makeStore: () => Promise<ReadingStoreUnderTest>): void {
  describe(`ingest ReadingStore contract: ${name}`, () => {
    let store: ReadingStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    async function writeAndSync(
      readings: readonly Reading[],
      records: readonly QuarantineRecord[] = [],
    ): Promise<void> {
      await store.write(readings, records);
      await store.sync();
    }

    const allOf = (meterId: string) => store.readings({ meterId, ...ALL, limit: 100_000 });

    it('reads back exactly what was written (null seq, fractions, large registers, ms precision)', async () => {
      const rows = [
        reading('m1', T0, 12345.678, { seq: 1, receivedAtMs: T0 + 1 }),
        reading('m1', T0 + 1, 99999999.99, { seq: null, receivedAtMs: T0 + 999 }),
        reading('m1', T0 + 15 * 60 * SECOND + 7, 0, { seq: 9_007_199_254_740_991 }),
        reading('m1', T0 + 16 * 60 * SECOND, 0.1 + 0.2, { seq: 0 }),
      ];
      await writeAndSync(rows);
      expect(await allOf('m1')).toEqual(rows);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('init is idempotent and an empty write is a no-op', async () => {
      await writeAndSync([reading('m1', T0, 1)]);
      await store.init();
      await store.write([], []);
      await store.sync();
      expect(await store.counts()).toEqual({ readings: 1, quarantined: 0 });
    });

    it('returns readings ascending by ts whatever the write order, and only for the asked meter', async () => {
      const rows = [5, 1, 4, 2, 3].map((i) => reading('m1', T0 + i * SECOND, i));
      await writeAndSync([...rows.slice(0, 2), reading('m2', T0 + 2500, 99)]);
      await writeAndSync(rows.slice(2));
      expect((await allOf('m1')).map((r) => r.value)).toEqual([1, 2, 3, 4, 5]);
      expect((await allOf('m2')).map((r) => r.tsMs)).toEqual([T0 + 2500]);
      expect(await allOf('nope')).toEqual([]);
    });

    it('bounds are [from, to)', async () => {
      await writeAndSync([0, 1, 2, 3].map((i) => reading('m1', T0 + i * SECOND, i)));
      const got = await store.readings({ meterId: 'm1', fromMs: T0 + SECOND, toMs: T0 + 3 * SECOND, limit: 100 });
      expect(got.map((r) => r.tsMs)).toEqual([T0 + SECOND, T0 + 2 * SECOND]);
      expect(await store.readings({ meterId: 'm1', fromMs: T0 + 1, toMs: T0 + SECOND, limit: 100 })).toEqual([]);
    });

    it("reads several meters' readings at once: each as the per-meter query answers it, [from, to), first limitPerMeter", async () => {
      const rows = [
        ...[3, 0, 2, 1].map((i) => reading('m1', T0 + i * SECOND, 10 + i)),
        reading('m1', T0 + SECOND, 5),
        ...[0, 1, 2].map((i) => reading('m2', T0 + i * SECOND, 20 + i)),
        reading('m3', T0, 30),
      ];
      await writeAndSync(rows);
      const range = { fromMs: T0, toMs: T0 + 3 * SECOND };
      const got = await store.readingsOfMeters({ meterIds: ['m1', 'm2', 'nope'], ...range, limitPerMeter: 100 });
      expect([...got.keys()].sort()).toEqual(['m1', 'm2']);
      for (const id of ['m1', 'm2']) {
        expect(got.get(id)).toEqual(await store.readings({ meterId: id, ...range, limit: 100 }));
      }
      expect(got.get('m1')?.map((r) => r.value)).toEqual([10, 5, 11, 12]);
      const capped = await store.readingsOfMeters({ meterIds: ['m1', 'm2'], ...range, limitPerMeter: 2 });
      expect(capped.get('m1')?.map((r) => r.value)).toEqual([10, 5]);
      expect(capped.get('m2')?.map((r) => r.value)).toEqual([20, 21]);
      expect(await store.readingsOfMeters({ meterIds: [], ...range, limitPerMeter: 10 })).toEqual(new Map());
    });

    it('pages with limit and afterTsMs (keyset)', async () => {
      const rows = Array.from({ length: 25 }, (_, i) => reading('m1', T0 + i * 60 * SECOND, i));
      await writeAndSync(rows);
      const pages: Reading[][] = [];
      let afterTsMs: number | undefined;
      for (;;) {
        const page = await store.readings({
          meterId: 'm1',
          ...ALL,
          limit: 10,
          ...(afterTsMs === undefined ? {} : { afterTsMs }),
        });
        if (page.length === 0) break;
        pages.push(page);
        afterTsMs = page.at(-1)?.tsMs;
      }
      expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
      expect(pages.flat()).toEqual(rows);
      expect(await store.readings({ meterId: 'm1', ...ALL, limit: 0 })).toEqual([]);
    });

    it('re-writing the same batch changes nothing (replay after a crash)', async () => {
      const rows = Array.from({ length: 50 }, (_, i) => reading(`m${i % 3}`, T0 + i * SECOND, i * 1.5, { seq: i }));
      const records = [quarantined('q1', T0), quarantined('q2', T0 + 1)];
      await writeAndSync(rows, records);
      await writeAndSync(rows, records);
      expect(await store.counts()).toEqual({ readings: 50, quarantined: 2 });
      expect(await allOf('m0')).toEqual(rows.filter((r) => r.meterId === 'm0'));
    });

    it('same (meter, ts) with a different value: both rows are kept, ascending by value, and listed as a conflict', async () => {
      await writeAndSync([reading('m1', T0, 10, { seq: 1 }), reading('m1', T0 + SECOND, 11)]);
      const rewrite = reading('m1', T0, 9.5, { seq: null, receivedAtMs: T0 + 5 * SECOND });
      await writeAndSync([rewrite]);
      expect(await allOf('m1')).toEqual([rewrite, reading('m1', T0, 10, { seq: 1 }), reading('m1', T0 + SECOND, 11)]);
      expect((await store.counts()).readings).toBe(3);
      // Across a restart of the writer too: a replay of either value collapses into its row.
      await store.init();
      await writeAndSync([reading('m1', T0, 10, { seq: 1, receivedAtMs: T0 + 9 * SECOND }), rewrite]);
      expect((await store.counts()).readings).toBe(3);
      expect(await store.conflicts({ ...ALL, limit: 10 })).toEqual([{ meterId: 'm1', tsMs: T0, values: [9.5, 10] }]);
      expect((await store.meterSummaries()).get('m1')?.readings).toBe(3);
    });

    it('an exact replay collapses and refreshes the row; within one batch the last row for a key wins', async () => {
      await writeAndSync([reading('m1', T0, 1, { seq: 1 })]);
      await writeAndSync([reading('m1', T0, 1, { seq: 2, receivedAtMs: T0 + 7 * SECOND })]);
      expect(await allOf('m1')).toEqual([reading('m1', T0, 1, { seq: 2, receivedAtMs: T0 + 7 * SECOND })]);
      await writeAndSync([reading('m2', T0, 3, { seq: 1 }), reading('m2', T0, 3, { seq: 2 }), reading('m2', T0, 4)]);
      expect((await allOf('m2')).map((r) => [r.value, r.seq])).toEqual([
        [3, 2],
        [4, null],
      ]);
      expect(await store.conflicts({ ...ALL, limit: 10 })).toEqual([{ meterId: 'm2', tsMs: T0, values: [3, 4] }]);
    });

    it('lists conflicts by device time in [from, to), ascending by (ts, meter), at most limit', async () => {
      await writeAndSync([
        reading('b', T0 + 2 * SECOND, 1),
        reading('b', T0 + 2 * SECOND, 2),
        reading('a', T0 + 2 * SECOND, 5),
        reading('a', T0 + 2 * SECOND, 3),
        reading('a', T0 + 2 * SECOND, 4),
        reading('a', T0, 1),
        reading('a', T0, 1.25),
        reading('c', T0 + SECOND, 8),
      ]);
      expect(await store.conflicts({ ...ALL, limit: 10 })).toEqual([
        { meterId: 'a', tsMs: T0, values: [1, 1.25] },
        { meterId: 'a', tsMs: T0 + 2 * SECOND, values: [3, 4, 5] },
        { meterId: 'b', tsMs: T0 + 2 * SECOND, values: [1, 2] },
      ]);
      expect(await store.conflicts({ fromMs: T0 + 1, toMs: T0 + 3 * SECOND, limit: 1 })).toEqual([
        { meterId: 'a', tsMs: T0 + 2 * SECOND, values: [3, 4, 5] },
      ]);
      expect(await store.conflicts({ fromMs: T0 + 1, toMs: T0 + 2 * SECOND, limit: 10 })).toEqual([]);
    });

    it('pages through an instant with several values with (afterTsMs, afterValue)', async () => {
      await writeAndSync([reading('m1', T0, 2), reading('m1', T0, 1), reading('m1', T0 + SECOND, 3)]);
      const first = await store.readings({ meterId: 'm1', ...ALL, limit: 1 });
      expect(first.map((r) => r.value)).toEqual([1]);
      const rest = await store.readings({ meterId: 'm1', ...ALL, limit: 10, afterTsMs: T0, afterValue: 1 });
      expect(rest.map((r) => r.value)).toEqual([2, 3]);
    });

    it('round-trips quarantine records, filters by reason and pages by (receivedAtMs, id)', async () => {
      const records = [
        quarantined('b', T0 + SECOND, {
          meterId: null,
          topic: 'meters/??/x',
          reason: 'unknown_topic',
          payload: 'not json \' " \\ \n\t 碳核 😀',
        }),
        quarantined('a', T0 + SECOND, { detail: 'it\'s "quoted"\nsecond line' }),
        quarantined('c', T0, { reason: 'malformed_json', payload: '' }),
        quarantined('d', T0 + 2 * SECOND, { reason: 'malformed_json', detail: '' }),
        quarantined('e', T0 + 10 * SECOND),
      ];
      await writeAndSync([], records);
      const inRange = { fromMs: T0, toMs: T0 + 10 * SECOND };
      const byKey = (ids: string[]) => ids.map((id) => records.find((r) => r.id === id));
      expect(await store.quarantine({ ...inRange, limit: 100 })).toEqual(byKey(['c', 'a', 'b', 'd']));
      expect(await store.quarantine({ ...inRange, reason: 'malformed_json', limit: 100 })).toEqual(byKey(['c', 'd']));
      expect(await store.quarantine({ ...inRange, reason: 'negative_register', limit: 100 })).toEqual([]);
      const first = await store.quarantine({ ...inRange, limit: 2 });
      expect(first.map((r) => r.id)).toEqual(['c', 'a']);
      const last = first.at(-1);
      if (last === undefined) throw new Error('empty page');
      const second = await store.quarantine({
        ...inRange,
        limit: 2,
        after: { receivedAtMs: last.receivedAtMs, id: last.id },
      });
      expect(second.map((r) => r.id)).toEqual(['b', 'd']);
      expect(
        await store.quarantine({ ...inRange, limit: 2, after: { receivedAtMs: T0 + 2 * SECOND, id: 'd' } }),
      ).toEqual([]);
    });

    it('summarises each meter: latest device ts, its arrival time, row count', async () => {
      await writeAndSync([
        reading('m1', T0 + 2 * SECOND, 2, { receivedAtMs: T0 + 3 * SECOND }),
        // Arrived later but is older: must not be reported as the latest.
        reading('m1', T0, 1, { receivedAtMs: T0 + 60 * SECOND }),
        reading('m2', T0 + 7, 5, { receivedAtMs: T0 + 8 }),
      ]);
      const summaries = await store.meterSummaries();
      expect(Object.fromEntries(summaries)).toEqual({
        m1: { lastTsMs: T0 + 2 * SECOND, lastReceivedAtMs: T0 + 3 * SECOND, readings: 2 },
        m2: { lastTsMs: T0 + 7, lastReceivedAtMs: T0 + 8, readings: 1 },
      });
    });

    it('counts readings and quarantine rows', async () => {
      expect(await store.counts()).toEqual({ readings: 0, quarantined: 0 });
      await writeAndSync([reading('m1', T0, 1), reading('m2', T0, 1)], [quarantined('x', T0)]);
      expect(await store.counts()).toEqual({ readings: 2, quarantined: 1 });
    });

    it('writes a 10 000-row batch in one call', async () => {
      const rows = Array.from({ length: 10_000 }, (_, i) =>
        reading(`m${i % 100}`, T0 + Math.floor(i / 100) * 15 * 60 * SECOND, i + 0.25, { seq: i }),
      );
      await writeAndSync(rows);
      expect(await store.counts()).toEqual({ readings: 10_000, quarantined: 0 });
      expect(await allOf('m42')).toEqual(rows.filter((r) => r.meterId === 'm42'));
      expect((await store.meterSummaries()).size).toBe(100);
    });

    it('does not depend on the process time zone: everything is UTC ms', async () => {
      const original = process.env.TZ;
      try {
        // A DST switch (US) and a non-hour offset exercise any local-time conversion.
        const dstSwitch = Date.UTC(2026, 2, 8, 10, 0, 0, 123);
        const rows = [reading('m1', dstSwitch, 1), reading('m1', T0 + 16 * 3_600 * SECOND, 2)];
        process.env.TZ = 'America/New_York';
        await writeAndSync(rows);
        process.env.TZ = 'Asia/Kathmandu';
        const other = await makeStore();
        try {
          await other.store.write(rows, []);
          await other.store.sync();
          expect(await other.store.readings({ meterId: 'm1', ...ALL, limit: 10 })).toEqual(rows);
        } finally {
          await other.cleanup();
        }
        process.env.TZ = 'Asia/Shanghai';
        expect(await allOf('m1')).toEqual(rows);
        const day = await store.readings({ meterId: 'm1', fromMs: T0, toMs: T0 + 86_400 * SECOND, limit: 10 });
        expect(day.map((r) => r.tsMs)).toEqual([T0 + 16 * 3_600 * SECOND]);
      } finally {
        if (original === undefined) delete process.env.TZ;
        else process.env.TZ = original;
      }
    });
  });
}
