import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCarbonReportQuery,
  createFleetView,
  createQuestDbAccountingStore,
  METHODOLOGY_VERSION,
} from '../../accounting/index.js';
import { readFactorCatalogue } from '../../config/index.js';
import { createQuestDbReadingStore, type ReadingStore } from '../../ingest/index.js';
import { createQuestDbPeriodStore, periodSettingsSchema, type PeriodStore } from '../../periods/index.js';
import type { PeriodsUseCases } from '../../src/http/http-deps.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { wirePeriods } from '../../src/wire-periods.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';
import { checkProofOffline, firstReadings, fleet, lateReadings, NOW } from './periods-fixture.js';

// Closing, revising, verifying and proving on the production store: a real QuestDB, wired as src/app.ts wires it.
let qdb: QuestDbHandle;
let readings: ReadingStore;
let periodStore: PeriodStore;
let periods: PeriodsUseCases;
let dir: string;

beforeAll(async () => {
  qdb = await startQuestDb();
  const client = createQuestDbClient({ url: qdb.url, requestTimeoutMs: 10_000 });
  readings = createQuestDbReadingStore(client);
  const accountingStore = createQuestDbAccountingStore(client);
  periodStore = createQuestDbPeriodStore(client);
  await readings.init();
  await accountingStore.init();
  await periodStore.init();
  const view = createFleetView(fleet);
  const nowMs = () => NOW;
  dir = mkdtempSync(join(tmpdir(), 'tanhe-periods-qdb-'));
  periods = wirePeriods({
    settings: periodSettingsSchema.parse({}),
    duckdbPath: join(dir, 'tanhe.duckdb'),
    store: periodStore,
    accountingStore,
    fleet: view,
    carbonReport: createCarbonReportQuery({
      store: accountingStore,
      fleet: view,
      catalogue: readFactorCatalogue(),
      methodologyVersion: METHODOLOGY_VERSION,
      nowMs,
    }),
    nowMs,
    log: { info: () => undefined },
  });
  await readings.write(firstReadings(), []);
  await readings.sync();
}, 120_000);
afterAll(async () => {
  await periodStore?.close();
  await readings?.close();
  await qdb?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('closed periods on QuestDB', () => {
  it('closes, verifies, proves a meter-day, and after a late batch issues revision 2 leaving revision 1 as it was', async () => {
    const closed = await periods.close({ orgId: 'yc', period: '2026-10', by: 'admin' });
    expect(closed.revision).toMatchObject({ revision: 1, leafCount: 62 });
    const first = await periods.revision('yc', '2026-10', 1);
    expect(first?.canonicalJson).toBe(closed.revision.canonicalJson);
    expect((await periods.verify('yc', '2026-10', 1)).holds).toBe(true);

    const proof = await periods.proof('yc', '2026-10', 1, 'e2', '2026-10-31');
    expect(checkProofOffline({ ...proof, path: [...proof.path] }, periods.publicKey.pem)).toEqual({
      rootMatches: true,
      signatureValid: true,
    });

    await readings.write(lateReadings(), []);
    await readings.sync();
    const moved = await periods.verify('yc', '2026-10', 1);
    expect(moved.holds).toBe(false);
    expect(moved.recomputed.meterDays).toEqual([{ meterId: 'e1', day: '2026-10-20', change: 'changed' }]);

    const revised = await periods.revise({ orgId: 'yc', period: '2026-10', by: 'admin', justification: 'late batch' });
    expect(revised.revision).toMatchObject({ revision: 2, previousDigest: closed.revision.digest });
    expect(revised.document.diff?.reasons).toEqual([
      { kind: 'late_readings', meterDays: [{ meterId: 'e1', day: '2026-10-20', change: 'changed' }] },
    ]);
    expect((await periods.revision('yc', '2026-10', 1))?.canonicalJson).toBe(closed.revision.canonicalJson);
    expect((await periods.verify('yc', '2026-10', 2)).holds).toBe(true);
    await expect(periods.close({ orgId: 'yc', period: '2026-10', by: 'admin' })).rejects.toMatchObject({
      code: 'PERIOD_ALREADY_CLOSED',
    });
  }, 120_000);
});
