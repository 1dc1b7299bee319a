import { afterAll, beforeAll } from 'vitest';
import { createQuestDbAccountingStore } from '../../accounting/index.js';
import { createQuestDbReadingStore } from '../../ingest/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';
import { accountingStoreContract } from './accounting-store.contract.js';

// One QuestDB for the whole file; each test gets its own set of tables (a prefix),
// dropped afterwards, so tests cannot see each other's rows or roll-ups.
let qdb: QuestDbHandle;
let tableSet = 0;

beforeAll(async () => {
  qdb = await startQuestDb();
});
afterAll(async () => {
  await qdb?.dispose();
});

async function sql(query: string): Promise<void> {
  const res = await fetch(`${qdb.url}/exec?query=${encodeURIComponent(query)}`);
  if (!res.ok) throw new Error(`${query}: ${await res.text()}`);
}

accountingStoreContract('QuestDB', async () => {
  tableSet += 1;
  const prefix = `a${tableSet}_`;
  // One engine client under both adapters, as src/app.ts wires them.
  const client = createQuestDbClient({ url: qdb.url, requestTimeoutMs: 5_000 });
  const writer = createQuestDbReadingStore(client, { tablePrefix: prefix });
  const store = createQuestDbAccountingStore(client, { tablePrefix: prefix });
  await writer.init();
  await store.init();
  return {
    store,
    writer,
    cleanup: async () => {
      await writer.close();
      // The day views (one per zone asked) before the readings table they are built on.
      const views = await fetch(
        `${qdb.url}/exec?query=${encodeURIComponent(`SELECT view_name FROM materialized_views() WHERE view_name LIKE '${prefix}%'`)}`,
      );
      for (const [name] of ((await views.json()) as { dataset: [string][] }).dataset)
        await sql(`DROP MATERIALIZED VIEW IF EXISTS ${name}`);
      for (const table of [
        'readings',
        'quarantine',
        'segments_day',
        'segments_day_state',
        'segments_hour',
        'segments_hour_state',
      ]) {
        await sql(`DROP TABLE IF EXISTS ${prefix}${table}`);
      }
    },
  };
});
