import { afterAll, beforeAll } from 'vitest';
import { createQuestDbPeriodStore } from '../../periods/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';
import { periodStoreContract } from './period-store.contract.js';

// One QuestDB for the whole file; each test gets its own tables (a prefix), dropped afterwards.
let qdb: QuestDbHandle;
let tableSet = 0;

beforeAll(async () => {
  qdb = await startQuestDb();
});
afterAll(async () => {
  await qdb?.dispose();
});

periodStoreContract('QuestDB', async () => {
  tableSet += 1;
  const prefix = `p${tableSet}_`;
  const client = createQuestDbClient({ url: qdb.url, requestTimeoutMs: 5_000 });
  const store = createQuestDbPeriodStore(client, { tablePrefix: prefix });
  await store.init();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await client.exec(`DROP TABLE IF EXISTS ${prefix}period_revisions`);
      await client.exec(`DROP TABLE IF EXISTS ${prefix}period_leaves`);
    },
  };
});
