import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QuarantineRecord, Reading } from '../../src/kernel/index.js';
import type { ReadingStore } from '../../src/platform/store/index.js';

/**
 * One contract for every ReadingStore (DESIGN.md §5): same inputs, same answers.
 * Every test gets a fresh, initialised, empty store from `makeStore`.
 */
export interface StoreUnderTest {
  readonly store: ReadingStore;
  readonly cleanup: () => Promise<void>;
}

const T0 = Date.UTC(2026, 9, 1); // 2026-10-01T00:00:00Z
const SECOND = 1_000;
const ALL = { fromMs: 0, toMs: Date.UTC(2100, 0, 1) };

function reading(meterId: string, tsMs: number, value: number, extra: Partial<Reading> = {}): Reading {
  return { meterId, tsMs, value, seq: null, receivedAtMs: tsMs + 250, quality: 'ok', ...extra };
}

function quarantined(id: string, receivedAtMs: number, extra: Partial<QuarantineRecord> = {}): QuarantineRecord {
  return { id, receivedAtMs, topic: 'meters/m1/reading', meterId: 'm1', reason: 'schema_violation', detail: 'value missing', payload: '{"v":1}', ...extra };
}

export function readingStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`ReadingStore contract: ${name}`, () => {
    let store: ReadingStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    async function writeAndSync(readings: readonly Reading[], records: readonly QuarantineRecord[] = []): Promise<void> {
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

    it('pages with limit and afterTsMs (keyset)', async () => {
      const rows = Array.from({ length: 25 }, (_, i) => reading('m1', T0 + i * 60 * SECOND, i));
      await writeAndSync(rows);
      const pages: Reading[][] = [];
      let afterTsMs: number | undefined;
      for (;;) {
        const page = await store.readings({ meterId: 'm1', ...ALL, limit: 10, ...(afterTsMs === undefined ? {} : { afterTsMs }) });
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

    it('same (meter, ts) with a different value: the last write wins', async () => {
      await writeAndSync([reading('m1', T0, 10, { seq: 1 }), reading('m1', T0 + SECOND, 11)]);
      const replacement = reading('m1', T0, 20, { seq: null, receivedAtMs: T0 + 5 * SECOND });
      await writeAndSync([replacement]);
      expect(await allOf('m1')).toEqual([replacement, reading('m1', T0 + SECOND, 11)]);
      expect((await store.counts()).readings).toBe(2);
    });

    it('within one batch, the last row for a key wins', async () => {
      await writeAndSync([reading('m1', T0, 1), reading('m1', T0, 2), reading('m2', T0, 3), reading('m1', T0, 4)]);
      expect((await allOf('m1')).map((r) => r.value)).toEqual([4]);
      expect((await store.counts()).readings).toBe(2);
    });

    it('round-trips quarantine records, filters by reason and pages by (receivedAtMs, id)', async () => {
      const records = [
        quarantined('b', T0 + SECOND, { meterId: null, topic: 'meters/??/x', reason: 'unknown_topic', payload: 'not json \' " \\ \n\t 碳核 😀' }),
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
      const second = await store.quarantine({ ...inRange, limit: 2, after: { receivedAtMs: last.receivedAtMs, id: last.id } });
      expect(second.map((r) => r.id)).toEqual(['b', 'd']);
      expect(await store.quarantine({ ...inRange, limit: 2, after: { receivedAtMs: T0 + 2 * SECOND, id: 'd' } })).toEqual([]);
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
      const rows = Array.from({ length: 10_000 }, (_, i) => reading(`m${i % 100}`, T0 + Math.floor(i / 100) * 15 * 60 * SECOND, i + 0.25, { seq: i }));
      await writeAndSync(rows);
      expect(await store.counts()).toEqual({ readings: 10_000, quarantined: 0 });
      expect(await allOf('m42')).toEqual(rows.filter((r) => r.meterId === 'm42'));
      expect((await store.meterSummaries()).size).toBe(100);
    });

    describe('register segments and edge readings (accounting queries run in the store)', () => {
      const HOUR = 3_600 * SECOND;
      // Local (Asia/Shanghai) days start at 16:00Z: 2026-10-01 15:45Z is 23:45 on 1 October, 16:00Z is midnight of 2 October.
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
        const segments = await store.registerSegments({ meterIds: ['m1', 'm2'], fromMs: T0, toMs: T0 + 3 * 86_400 * SECOND, ...day });
        expect(segments).toEqual([
          { meterId: 'm1', bucketStartMs: DAY2 - 86_400 * SECOND, firstTsMs: m1[0]?.tsMs, firstValue: 100, lastTsMs: m1[1]?.tsMs, lastValue: 103, readings: 2, decreases: 0, maxRatePerHour: 6 },
          { meterId: 'm1', bucketStartMs: DAY2, firstTsMs: DAY2, firstValue: 104, lastTsMs: m1[5]?.tsMs, lastValue: 111, readings: 4, decreases: 1, maxRatePerHour: 32 },
          { meterId: 'm2', bucketStartMs: DAY2, firstTsMs: DAY2 + HOUR, firstValue: 7, lastTsMs: DAY2 + 2 * HOUR, lastValue: 7, readings: 2, decreases: 0, maxRatePerHour: 0 },
        ]);
      });

      it('compares only readings inside the range: the first reading of the range has no previous one', async () => {
        const segments = await store.registerSegments({ meterIds: ['m1'], fromMs: DAY2, toMs: DAY2 + 86_400 * SECOND, ...day });
        expect(segments).toEqual([{ meterId: 'm1', bucketStartMs: DAY2, firstTsMs: DAY2, firstValue: 104, lastTsMs: m1[5]?.tsMs, lastValue: 111, readings: 4, decreases: 1, maxRatePerHour: 32 }]);
        const single = await store.registerSegments({ meterIds: ['m1'], fromMs: DAY2 + 8 * HOUR, toMs: DAY2 + 9 * HOUR, ...day });
        expect(single).toEqual([{ meterId: 'm1', bucketStartMs: DAY2, firstTsMs: DAY2 + 8 * HOUR, firstValue: 111, lastTsMs: DAY2 + 8 * HOUR, lastValue: 111, readings: 1, decreases: 0, maxRatePerHour: null }]);
      });

      it('cuts hours and months in the time zone too, and answers only for the asked meters', async () => {
        const hours = await store.registerSegments({ meterIds: ['m1'], fromMs: T0, toMs: DAY2 + HOUR, bucket: 'hour', timeZone: 'Asia/Shanghai' });
        expect(hours.map((s) => [s.bucketStartMs, s.readings, s.decreases])).toEqual([
          [DAY2 - HOUR, 2, 0],
          [DAY2, 3, 1],
        ]);
        // Kathmandu is UTC+05:45: its hours start at a quarter past the UTC hour.
        const kathmandu = await store.registerSegments({ meterIds: ['m1'], fromMs: T0, toMs: DAY2 + HOUR, bucket: 'hour', timeZone: 'Asia/Kathmandu' });
        expect(kathmandu.map((s) => [s.bucketStartMs, s.readings])).toEqual([
          [DAY2 - 45 * 60 * SECOND, 3],
          [DAY2 + 15 * 60 * SECOND, 2],
        ]);
        const months = await store.registerSegments({ meterIds: ['m2', 'nope'], fromMs: T0, toMs: T0 + 40 * 86_400 * SECOND, bucket: 'month', timeZone: 'Asia/Shanghai' });
        expect(months.map((s) => [s.meterId, s.bucketStartMs, s.readings])).toEqual([['m2', Date.parse('2026-10-01T00:00:00+08:00'), 2]]);
        expect(await store.registerSegments({ meterIds: [], fromMs: T0, toMs: DAY2, ...day })).toEqual([]);
        expect(await store.registerSegments({ meterIds: ['m1'], fromMs: DAY2 + 9 * HOUR, toMs: DAY2 + 10 * HOUR, ...day })).toEqual([]);
      });

      it('answers whole local days and months the same way, and sees late data and rewrites after a first answer', async () => {
        // Whole local days: QuestDB answers these from its day roll-up, which must give the direct answer.
        const range = { meterIds: ['m1', 'm2'], fromMs: DAY2 - 86_400 * SECOND, toMs: DAY2 + 2 * 86_400 * SECOND, ...day };
        const expected = [
          { meterId: 'm1', bucketStartMs: DAY2 - 86_400 * SECOND, firstTsMs: m1[0]?.tsMs, firstValue: 100, lastTsMs: m1[1]?.tsMs, lastValue: 103, readings: 2, decreases: 0, maxRatePerHour: 6 },
          { meterId: 'm1', bucketStartMs: DAY2, firstTsMs: DAY2, firstValue: 104, lastTsMs: m1[5]?.tsMs, lastValue: 111, readings: 4, decreases: 1, maxRatePerHour: 32 },
          { meterId: 'm2', bucketStartMs: DAY2, firstTsMs: DAY2 + HOUR, firstValue: 7, lastTsMs: DAY2 + 2 * HOUR, lastValue: 7, readings: 2, decreases: 0, maxRatePerHour: 0 },
        ];
        expect(await store.registerSegments(range)).toEqual(expected);
        const month = { meterIds: ['m1'], fromMs: Date.parse('2026-10-01T00:00:00+08:00'), toMs: Date.parse('2026-11-01T00:00:00+08:00'), bucket: 'month' as const, timeZone: 'Asia/Shanghai' };
        expect(await store.registerSegments(month)).toEqual([
          { meterId: 'm1', bucketStartMs: month.fromMs, firstTsMs: m1[0]?.tsMs, firstValue: 100, lastTsMs: m1[5]?.tsMs, lastValue: 111, readings: 6, decreases: 1, maxRatePerHour: 32 },
        ]);
        // A late reading on day 1 (a drop onto day 2's first reading becomes visible), then a rewrite of an existing key.
        await writeAndSync([reading('m1', DAY2 - 5 * 60 * SECOND, 105)]);
        const late = await store.registerSegments(range);
        expect(late[0]).toMatchObject({ lastTsMs: DAY2 - 5 * 60 * SECOND, lastValue: 105, readings: 3, decreases: 0, maxRatePerHour: 12 });
        expect(late[1]).toMatchObject({ readings: 4, decreases: 2 });
        await writeAndSync([reading('m1', DAY2 + 8 * HOUR, 90, { receivedAtMs: m1[5]?.receivedAtMs ?? 0 })]);
        const rewritten = await store.registerSegments(range);
        expect(rewritten[1]).toMatchObject({ lastValue: 90, readings: 4, decreases: 3 });
        expect((await store.registerSegments(month))[0]).toMatchObject({ readings: 7, decreases: 3, lastValue: 90 });
      });

      it('finds the last reading before and the first at or after a time, within the window', async () => {
        const edges = await store.edgeReadings({ meterIds: ['m1', 'm2', 'nope'], beforeMs: DAY2, afterMs: DAY2 + 30 * 60 * SECOND, windowMs: 3 * HOUR });
        expect(Object.fromEntries(edges.before)).toEqual({ m1: m1[1] });
        expect(Object.fromEntries(edges.after)).toEqual({ m1: m1[4], m2: m2[0] });
        const far = await store.edgeReadings({ meterIds: ['m1'], beforeMs: DAY2 + 5 * 86_400 * SECOND, afterMs: T0 - 2 * 86_400 * SECOND, windowMs: 2 * 86_400 * SECOND });
        expect(far.before.size + far.after.size).toBe(0);
        const wide = await store.edgeReadings({ meterIds: ['m1'], beforeMs: DAY2 + 5 * 86_400 * SECOND, afterMs: T0 - 2 * 86_400 * SECOND, windowMs: 10 * 86_400 * SECOND });
        expect([wide.before.get('m1'), wide.after.get('m1')]).toEqual([m1[5], m1[0]]);
      });
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
