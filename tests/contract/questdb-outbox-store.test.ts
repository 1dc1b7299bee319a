import { afterAll, beforeAll } from 'vitest';
import { createQuestDbOutboxStore } from '../../alerts/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';
import { outboxStoreContract } from './outbox-store.contract.js';

// One QuestDB for the file; each test gets its own table (a prefix), dropped afterwards.
let qdb: QuestDbHandle;
let tableSet = 0;

beforeAll(async () => {
  qdb = await startQuestDb();
});
afterAll(async () => {
  await qdb?.dispose();
});

outboxStoreContract('QuestDB', async () => {
  tableSet += 1;
  const prefix = `o${tableSet}_`;
  const client = createQuestDbClient({ url: qdb.url, requestTimeoutMs: 10_000 });
  const store = createQuestDbOutboxStore(client, { tablePrefix: prefix });
  await store.init();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await client.exec(`DROP TABLE IF EXISTS ${prefix}alert_outbox`);
    },
  };
});
