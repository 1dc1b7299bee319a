import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQuestDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import { bucketLabel, bucketStart, DAY_MS, formatLocalIso, HOUR_MS, nextBucketStart } from '../../src/kernel/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { eventually } from '../support/eventually.js';
import { startMosquitto, type MosquittoHandle } from '../support/mosquitto.js';
import { makeTempDir, removeTempDir } from '../support/processes.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';
import { createService, type ServiceHandle } from '../support/service.js';
import { testFleet } from '../support/test-fleet.js';

/**
 * Issue 6 §4: restarting the main job never rewrites stored history. The main job runs as a
 * real process with the demo simulator on (backfill over real Mosquitto, the demo's faults);
 * a finished month's carbon report is fetched, the job is stopped and started again on the
 * same store (a new backfill from a new "now", re-publishing every reading), and the same
 * report is fetched again: identical, and no conflicting values for that month.
 */

const TZ = 'Asia/Shanghai';
const DEMO_FAULTS = ['malformed', 'duplicate', 'dropout', 'transient_zero', 'late_batch', 'clock_skew'];

/**
 * Fields of the report that are about the request, not about the month: `generatedAt` is the
 * request's time. Everything else (dataCutoff included: the month has ended, so it is the
 * month's end) must be byte-identical.
 */
const REQUEST_TIME_FIELDS = ['generatedAt'] as const;

/** A small fleet: the test fleet's plain meters plus a CT meter with a register maximum and an interval meter. */
function fleet() {
  const base = testFleet(3);
  return {
    ...base,
    // A grid region, so that the report finds its location-based electricity factor.
    institutions: base.institutions.map((inst) => ({ ...inst, gridRegion: 'northwest' })),
    meters: [
      ...base.meters,
      {
        id: 'ct40',
        building: 'b1',
        carrier: 'electricity',
        unit: 'kWh',
        multiplier: 40,
        registerMax: 99999.99,
        ratedMaxPerHour: 400,
      },
      { id: 'water-int', building: 'b1', carrier: 'water', unit: 'm3', register: 'interval' },
    ],
  };
}

/**
 * The last local month that ended at least 12 h ago (late-batch readings held at the end of
 * a backfill are at most windowHours + delayHours old), and a backfill that covers it and the
 * 28 whole days before it that plausibility bounds are learned from, with two days to spare.
 */
function plan(nowMs: number) {
  let monthStart = bucketStart(bucketStart(nowMs, 'month', TZ) - 1, 'month', TZ);
  if (nextBucketStart(monthStart, 'month', TZ) > nowMs - 12 * HOUR_MS)
    monthStart = bucketStart(monthStart - 1, 'month', TZ);
  const monthEnd = nextBucketStart(monthStart, 'month', TZ);
  const backfillDays = Math.ceil((nowMs - monthStart) / DAY_MS) + 30;
  return { period: bucketLabel(monthStart, 'month', TZ), monthStart, monthEnd, backfillDays };
}

type StoreCase = { name: 'duckdb' } | { name: 'questdb' };

describe.each<StoreCase>([{ name: 'duckdb' }, { name: 'questdb' }])('restarting the main job on $name', (storeCase) => {
  let dir: string;
  let mosquitto: MosquittoHandle;
  let questdb: QuestDbHandle | undefined;
  let store: ReadingStore | undefined;
  let service: ServiceHandle;
  const month = plan(Date.now());

  beforeAll(async () => {
    dir = await makeTempDir('tanhe-e2e-restart-');
    mosquitto = await startMosquitto();
    if (storeCase.name === 'questdb') {
      questdb = await startQuestDb();
      store = createQuestDbReadingStore(createQuestDbClient({ url: questdb.url, requestTimeoutMs: 30_000 }));
    }
    service = await createService({
      dir,
      mqttUrl: mosquitto.url,
      store: questdb ? { kind: 'questdb', questdbUrl: questdb.url } : { kind: 'duckdb' },
      fleet: fleet(),
      simulator: {
        enabled: true,
        backfillDays: month.backfillDays,
        backfillIntervalMinutes: 60,
        liveIntervalMs: 15_000,
        seed: 42,
        faults: DEMO_FAULTS,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await service?.stop().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await mosquitto?.dispose();
    await questdb?.dispose();
    if (dir && process.env.TANHE_KEEP_TEST_DIRS !== '1') await removeTempDir(dir);
    else if (dir) console.error(`kept ${join(dir)}`);
  });

  /** Log lines (pino JSON) of every run so far with the given message. */
  const logLines = (msg: string): Record<string, unknown>[] =>
    service
      .readLog()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.msg === msg);

  /**
   * Waits until the run's backfill is published (the simulator's log), every message of it
   * has reached ingest (the run's received counter), the spool is drained, and (QuestDB) the
   * WAL is applied.
   */
  async function backfillStored(run: number) {
    await eventually(
      async () => {
        const published = logLines('simulator backfill published')[run - 1];
        if (!published) throw new Error(`run ${run}: backfill not published yet`);
        const metrics = await service.metrics();
        const received = metrics.tanhe_ingest_messages_received_total ?? 0;
        if (received < Number(published.messages))
          throw new Error(`run ${run}: ${received} of ${String(published.messages)} messages received`);
        if ((metrics.tanhe_spool_backlog_records ?? 1) > 0) throw new Error(`run ${run}: spool not drained`);
        await store?.sync();
      },
      { timeoutMs: 150_000, intervalMs: 500, message: `run ${run}: backfill stored` },
    );
  }

  async function getJson(path: string): Promise<{ status: number; text: string }> {
    const response = await service.fetch(path);
    return { status: response.status, text: await response.text() };
  }

  const reportPath = () => `/api/v1/reports/carbon?org=nx&period=${month.period}`;
  const quarantinePath = () =>
    `/api/v1/quarantine?from=${encodeURIComponent(formatLocalIso(month.monthStart, TZ, true))}` +
    `&to=${encodeURIComponent(formatLocalIso(month.monthEnd, TZ, true))}&limit=5000`;

  /** The report's JSON text with the request-time fields blanked (all else byte for byte). */
  function monthFigures(text: string): string {
    const report = JSON.parse(text) as Record<string, unknown>;
    for (const field of REQUEST_TIME_FIELDS) {
      expect(report).toHaveProperty(field);
      report[field] = '(request time)';
    }
    return JSON.stringify(report);
  }

  it('gives a finished month the same report before and after, and stores no conflicting value', async () => {
    await service.start();
    await backfillStored(1);
    const before = await getJson(reportPath());
    expect(before.status, before.text).toBe(200);
    // The month has readings: the report is not about an empty store.
    expect(before.text).toMatch(/"consumption":\s*[1-9]/);

    await service.stop();
    await service.start();
    await backfillStored(2);
    // The second run re-published the whole backfill (its own "now", so its own range).
    expect(logLines('simulator backfill published')).toHaveLength(2);

    const after = await getJson(reportPath());
    expect(after.status, after.text).toBe(200);
    expect(monthFigures(after.text)).toBe(monthFigures(before.text));

    const quarantine = await getJson(quarantinePath());
    expect(quarantine.status, quarantine.text).toBe(200);
    expect((JSON.parse(quarantine.text) as { conflicts: unknown[] }).conflicts).toEqual([]);
  }, 300_000);
});
