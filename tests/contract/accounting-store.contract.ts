import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountingStoreAdapter } from '../../accounting/index.js';
import type { ReadingStore } from '../../ingest/index.js';
import type { Reading } from '../../src/kernel/index.js';
import { ALL, reading, SECOND, T0 } from './contract-fixtures.js';

/**
 * One contract for accounting's store in every engine (accounting/ports.ts
 * AccountingStore): same inputs, same answers. Every test gets a fresh,
 * initialised, empty pair from `makeStores`: accounting's store and ingest's
 * over the same engine, whose writer puts the readings in.
 */
export interface AccountingStoreUnderTest {
  readonly store: AccountingStoreAdapter;
  readonly writer: ReadingStore;
  readonly cleanup: () => Promise<void>;
}

export function accountingStoreContract(name: string, makeStores: () => Promise<AccountingStoreUnderTest>): void {
  describe(`AccountingStore contract: ${name}`, () => {
    let store: AccountingStoreAdapter;
    let writer: ReadingStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, writer, cleanup } = await makeStores());
    });
    afterEach(async () => {
      await cleanup();
    });

    async function writeAndSync(readings: readonly Reading[]): Promise<void> {
      await writer.write(readings, []);
      await writer.sync();
    }

    it('reads raw readings of one meter in [from, to), ascending, at most limit', async () => {
      const rows = [3, 0, 2, 1].map((i) => reading('m1', T0 + i * SECOND, i, { seq: i }));
      await writeAndSync([...rows, reading('m2', T0, 9)]);
      const ascending = [...rows].sort((a, b) => a.tsMs - b.tsMs);
      expect(await store.readings({ meterId: 'm1', ...ALL, limit: 100 })).toEqual(ascending);
      expect(await store.readings({ meterId: 'm1', fromMs: T0 + SECOND, toMs: T0 + 3 * SECOND, limit: 100 })).toEqual(
        ascending.slice(1, 3),
      );
      expect(await store.readings({ meterId: 'm1', ...ALL, limit: 2 })).toEqual(ascending.slice(0, 2));
      expect(await store.readings({ meterId: 'nope', ...ALL, limit: 100 })).toEqual([]);
    });

    it("fingerprints each meter's readings of a range: moved by a late reading or a second value, not by others", async () => {
      const range = { fromMs: T0, toMs: T0 + 10 * SECOND };
      await writeAndSync([0, 2, 4].map((i) => reading('m1', T0 + i * SECOND, i)).concat(reading('m2', T0, 7)));
      const ask = () => store.readingFingerprints({ meterIds: ['m1', 'm2', 'nope'], ...range });
      const first = await ask();
      expect([...first.keys()].sort()).toEqual(['m1', 'm2']);
      expect(await ask()).toEqual(first);
      // Outside the range, or another meter's: m1's fingerprint stays.
      await writeAndSync([reading('m1', T0 + 10 * SECOND, 10), reading('m3', T0 + SECOND, 1)]);
      expect(await ask()).toEqual(first);
      // A late reading inside the range; then a second value at a stored instant.
      await writeAndSync([reading('m1', T0 + SECOND, 1, { receivedAtMs: T0 - 1 })]);
      const afterLate = await ask();
      expect(afterLate.get('m1')).not.toBe(first.get('m1'));
      expect(afterLate.get('m2')).toBe(first.get('m2'));
      await writeAndSync([reading('m1', T0 + 2 * SECOND, 2.5, { receivedAtMs: T0 - 1 })]);
      expect((await ask()).get('m1')).not.toBe(afterLate.get('m1'));
      expect(await store.readingFingerprints({ meterIds: [], ...range })).toEqual(new Map());
    });

    it('gives each meter its latest device timestamp, not its latest arrival, and init is idempotent', async () => {
      await store.init();
      await writeAndSync([
        reading('m1', T0 + 2 * SECOND, 2, { receivedAtMs: T0 + 3 * SECOND }),
        reading('m1', T0, 1, { receivedAtMs: T0 + 60 * SECOND }),
        reading('m2', T0 + 7, 5),
      ]);
      const latest = await store.meterSummaries();
      expect(Object.fromEntries([...latest].map(([meterId, s]) => [meterId, s.lastTsMs]))).toEqual({
        m1: T0 + 2 * SECOND,
        m2: T0 + 7,
      });
    });

    describe('register segments and edge readings (accounting queries run in the store)', () => {
      const HOUR = 3_600 * SECOND;
      // Local (Asia/Shanghai) days start at 16:00Z: 2026-10-01 15:45Z is 23:45 on 1 October,
      // 16:00Z is midnight of 2 October.
      const DAY2 = T0 + 16 * HOUR;
      const m1 = [
        reading('m1', DAY2 - 45 * 60 * SECOND, 100), // 23:15 local, day 1
        reading('m1', DAY2 - 15 * 60 * SECOND, 103), // 23:45, day 1: 3 in 30 min = 6 per hour
        reading('m1', DAY2, 104), // 00:00 day 2: 1 in 15 min = 4 per hour
        reading('m1', DAY2 + 15 * 60 * SECOND, 102), // a decrease
        reading('m1', DAY2 + 30 * 60 * SECOND, 110), // 8 in 15 min = 32 per hour
        reading('m1', DAY2 + 8 * HOUR, 111),
      ];
      const m2 = [reading('m2', DAY2 + HOUR, 7), reading('m2', DAY2 + 2 * HOUR, 7)];
      const day = { bucket: 'day' as const, timeZone: 'Asia/Shanghai' };

      beforeEach(async () => {
        // Out of order and across two batches: the store orders by device time.
        await writeAndSync([m1[4], m1[0], m2[1]] as Reading[]);
        await writeAndSync([m1[2], m1[5], m1[1], m1[3], m2[0], reading('m3', DAY2, 1)] as Reading[]);
      });

      it('cuts local days at 16:00Z and reduces each to first, last, count, decreases and the highest rate', async () => {
        const segments = await store.registerSegments({
          meterIds: ['m1', 'm2'],
          fromMs: T0,
          toMs: T0 + 3 * 86_400 * SECOND,
          ...day,
        });
        expect(segments).toEqual([
          {
            meterId: 'm1',
            bucketStartMs: DAY2 - 86_400 * SECOND,
            firstTsMs: m1[0]?.tsMs,
            firstValue: 100,
            lastTsMs: m1[1]?.tsMs,
            lastValue: 103,
            readings: 2,
            decreases: 0,
            maxRatePerHour: 6,
          },
          {
            meterId: 'm1',
            bucketStartMs: DAY2,
            firstTsMs: DAY2,
            firstValue: 104,
            lastTsMs: m1[5]?.tsMs,
            lastValue: 111,
            readings: 4,
            decreases: 1,
            maxRatePerHour: 32,
          },
          {
            meterId: 'm2',
            bucketStartMs: DAY2,
            firstTsMs: DAY2 + HOUR,
            firstValue: 7,
            lastTsMs: DAY2 + 2 * HOUR,
            lastValue: 7,
            readings: 2,
            decreases: 0,
            maxRatePerHour: 0,
          },
        ]);
      });

      it('compares only readings inside the range: the first reading of the range has no previous one', async () => {
        const segments = await store.registerSegments({
          meterIds: ['m1'],
          fromMs: DAY2,
          toMs: DAY2 + 86_400 * SECOND,
          ...day,
        });
        expect(segments).toEqual([
          {
            meterId: 'm1',
            bucketStartMs: DAY2,
            firstTsMs: DAY2,
            firstValue: 104,
            lastTsMs: m1[5]?.tsMs,
            lastValue: 111,
            readings: 4,
            decreases: 1,
            maxRatePerHour: 32,
          },
        ]);
        const single = await store.registerSegments({
          meterIds: ['m1'],
          fromMs: DAY2 + 8 * HOUR,
          toMs: DAY2 + 9 * HOUR,
          ...day,
        });
        expect(single).toEqual([
          {
            meterId: 'm1',
            bucketStartMs: DAY2,
            firstTsMs: DAY2 + 8 * HOUR,
            firstValue: 111,
            lastTsMs: DAY2 + 8 * HOUR,
            lastValue: 111,
            readings: 1,
            decreases: 0,
            maxRatePerHour: null,
          },
        ]);
      });

      it('cuts hours and months in the time zone too, and answers only for the asked meters', async () => {
        const hours = await store.registerSegments({
          meterIds: ['m1'],
          fromMs: T0,
          toMs: DAY2 + HOUR,
          bucket: 'hour',
          timeZone: 'Asia/Shanghai',
        });
        expect(hours.map((s) => [s.bucketStartMs, s.readings, s.decreases])).toEqual([
          [DAY2 - HOUR, 2, 0],
          [DAY2, 3, 1],
        ]);
        // Kathmandu is UTC+05:45: its hours start at a quarter past the UTC hour.
        const kathmandu = await store.registerSegments({
          meterIds: ['m1'],
          fromMs: T0,
          toMs: DAY2 + HOUR,
          bucket: 'hour',
          timeZone: 'Asia/Kathmandu',
        });
        expect(kathmandu.map((s) => [s.bucketStartMs, s.readings])).toEqual([
          [DAY2 - 45 * 60 * SECOND, 3],
          [DAY2 + 15 * 60 * SECOND, 2],
        ]);
        const months = await store.registerSegments({
          meterIds: ['m2', 'nope'],
          fromMs: T0,
          toMs: T0 + 40 * 86_400 * SECOND,
          bucket: 'month',
          timeZone: 'Asia/Shanghai',
        });
        expect(months.map((s) => [s.meterId, s.bucketStartMs, s.readings])).toEqual([
          ['m2', Date.parse('2026-10-01T00:00:00+08:00'), 2],
        ]);
        expect(await store.registerSegments({ meterIds: [], fromMs: T0, toMs: DAY2, ...day })).toEqual([]);
        expect(
          await store.registerSegments({ meterIds: ['m1'], fromMs: DAY2 + 9 * HOUR, toMs: DAY2 + 10 * HOUR, ...day }),
        ).toEqual([]);
      });

      it('answers hours of whole local days and of a day cut at an hour as the readings do, late data included', async () => {
        // QuestDB answers the whole days of an hour series from its hour roll-up and the cut day from the
        // readings, joined at midnight; a range starting a minute later (no reading in that minute) is
        // answered from the readings alone, and must give the same segments.
        const DAY1 = DAY2 - 86_400 * SECOND;
        const hours = (fromMs: number, toMs: number) =>
          store.registerSegments({ meterIds: ['m1', 'm2'], fromMs, toMs, bucket: 'hour', timeZone: 'Asia/Shanghai' });
        const check = async () => {
          for (const toMs of [DAY2 + 86_400 * SECOND, DAY2 + 9 * HOUR, DAY2 + 30 * 60 * SECOND]) {
            const direct = await hours(DAY1 + 60 * SECOND, toMs);
            expect(await hours(DAY1, toMs)).toEqual(direct);
          }
          return hours(DAY1, DAY2 + 9 * HOUR);
        };
        const first = await check();
        expect(first.map((s) => [s.meterId, s.bucketStartMs, s.readings, s.decreases, s.maxRatePerHour])).toEqual([
          ['m1', DAY2 - HOUR, 2, 0, 6],
          ['m1', DAY2, 3, 1, 32],
          ['m1', DAY2 + 8 * HOUR, 1, 0, (111 - 110) / 7.5],
          ['m2', DAY2 + HOUR, 1, 0, null],
          ['m2', DAY2 + 2 * HOUR, 1, 0, 0],
        ]);
        // A late reading before midnight above the first reading after it: a decrease across the cut.
        await writeAndSync([reading('m1', DAY2 - 5 * 60 * SECOND, 105)]);
        const late = await check();
        expect(late[0]).toMatchObject({ readings: 3, lastValue: 105 });
        expect(late[1]).toMatchObject({ readings: 3, decreases: 2 });
      });

      it('answers whole local days and months the same way, and sees late data and rewrites after a first answer', async () => {
        // Whole local days: QuestDB answers these from its day roll-up, which must give the direct answer.
        const range = {
          meterIds: ['m1', 'm2'],
          fromMs: DAY2 - 86_400 * SECOND,
          toMs: DAY2 + 2 * 86_400 * SECOND,
          ...day,
        };
        const expected = [
          {
            meterId: 'm1',
            bucketStartMs: DAY2 - 86_400 * SECOND,
            firstTsMs: m1[0]?.tsMs,
            firstValue: 100,
            lastTsMs: m1[1]?.tsMs,
            lastValue: 103,
            readings: 2,
            decreases: 0,
            maxRatePerHour: 6,
          },
          {
            meterId: 'm1',
            bucketStartMs: DAY2,
            firstTsMs: DAY2,
            firstValue: 104,
            lastTsMs: m1[5]?.tsMs,
            lastValue: 111,
            readings: 4,
            decreases: 1,
            maxRatePerHour: 32,
          },
          {
            meterId: 'm2',
            bucketStartMs: DAY2,
            firstTsMs: DAY2 + HOUR,
            firstValue: 7,
            lastTsMs: DAY2 + 2 * HOUR,
            lastValue: 7,
            readings: 2,
            decreases: 0,
            maxRatePerHour: 0,
          },
        ];
        expect(await store.registerSegments(range)).toEqual(expected);
        const month = {
          meterIds: ['m1'],
          fromMs: Date.parse('2026-10-01T00:00:00+08:00'),
          toMs: Date.parse('2026-11-01T00:00:00+08:00'),
          bucket: 'month' as const,
          timeZone: 'Asia/Shanghai',
        };
        expect(await store.registerSegments(month)).toEqual([
          {
            meterId: 'm1',
            bucketStartMs: month.fromMs,
            firstTsMs: m1[0]?.tsMs,
            firstValue: 100,
            lastTsMs: m1[5]?.tsMs,
            lastValue: 111,
            readings: 6,
            decreases: 1,
            maxRatePerHour: 32,
          },
        ]);
        // A late reading on day 1 (a drop onto day 2's first reading becomes visible), then a rewrite of an existing key.
        await writeAndSync([reading('m1', DAY2 - 5 * 60 * SECOND, 105)]);
        const late = await store.registerSegments(range);
        expect(late[0]).toMatchObject({
          lastTsMs: DAY2 - 5 * 60 * SECOND,
          lastValue: 105,
          readings: 3,
          decreases: 0,
          maxRatePerHour: 12,
        });
        expect(late[1]).toMatchObject({ readings: 4, decreases: 2 });
        // A rewrite of an existing (meter, ts) with another value is a second row, not a replacement:
        // it counts as a decrease (the day is read raw) and adds no rate; which of the two values is
        // the bucket's last is left to the store, the raw read gives both.
        await writeAndSync([reading('m1', DAY2 + 8 * HOUR, 90, { receivedAtMs: m1[5]?.receivedAtMs ?? 0 })]);
        const rewritten = await store.registerSegments(range);
        expect(rewritten[1]).toMatchObject({
          lastTsMs: DAY2 + 8 * HOUR,
          readings: 5,
          decreases: 4,
          maxRatePerHour: 32,
        });
        expect([90, 111]).toContain(rewritten[1]?.lastValue);
        expect((await store.registerSegments(month))[0]).toMatchObject({
          readings: 8,
          decreases: 4,
          maxRatePerHour: 32,
        });
        const raw = await store.readings({ meterId: 'm1', fromMs: DAY2 + 8 * HOUR, toMs: DAY2 + 9 * HOUR, limit: 10 });
        expect(raw.map((r) => r.value)).toEqual([90, 111]);
      });

      it('finds the last reading before and the first at or after a time, within the window', async () => {
        const edges = await store.edgeReadings({
          meterIds: ['m1', 'm2', 'nope'],
          beforeMs: DAY2,
          afterMs: DAY2 + 30 * 60 * SECOND,
          windowMs: 3 * HOUR,
        });
        expect(Object.fromEntries(edges.before)).toEqual({ m1: m1[1] });
        expect(Object.fromEntries(edges.after)).toEqual({ m1: m1[4], m2: m2[0] });
        const far = await store.edgeReadings({
          meterIds: ['m1'],
          beforeMs: DAY2 + 5 * 86_400 * SECOND,
          afterMs: T0 - 2 * 86_400 * SECOND,
          windowMs: 2 * 86_400 * SECOND,
        });
        expect(far.before.size + far.after.size).toBe(0);
        const wide = await store.edgeReadings({
          meterIds: ['m1'],
          beforeMs: DAY2 + 5 * 86_400 * SECOND,
          afterMs: T0 - 2 * 86_400 * SECOND,
          windowMs: 10 * 86_400 * SECOND,
        });
        expect([wide.before.get('m1'), wide.after.get('m1')]).toEqual([m1[5], m1[0]]);
      });

      it('takes the highest of two values stored at an edge instant, whatever the order they were written in', async () => {
        await writeAndSync([
          reading('m1', DAY2 - 15 * 60 * SECOND, 103.5),
          reading('m1', DAY2 + 30 * 60 * SECOND, 109),
        ]);
        await writeAndSync([reading('m1', DAY2 - 15 * 60 * SECOND, 102.5)]);
        const edges = await store.edgeReadings({
          meterIds: ['m1'],
          beforeMs: DAY2,
          afterMs: DAY2 + 30 * 60 * SECOND,
          windowMs: 3 * HOUR,
        });
        expect([edges.before.get('m1')?.value, edges.after.get('m1')?.value]).toEqual([103.5, 110]);
      });
    });
  });
}
