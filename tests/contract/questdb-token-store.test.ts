import { afterAll, beforeAll } from 'vitest';
import { createQuestDbTokenStore, type QuestDbTokenStore } from '../../access/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';
import { tokenStoreContract } from './token-store.contract.js';

// One QuestDB for the whole file; each test gets its own table (a prefix), dropped afterwards.
let qdb: QuestDbHandle;
let tableSet = 0;

beforeAll(async () => {
  qdb = await startQuestDb();
});
afterAll(async () => {
  await qdb?.dispose();
});

tokenStoreContract('QuestDB', async () => {
  tableSet += 1;
  const prefix = `t${tableSet}_`;
  const open = async () => {
    const client = createQuestDbClient({ url: qdb.url, requestTimeoutMs: 5_000 });
    const store = createQuestDbTokenStore(client, { tablePrefix: prefix });
    await store.init();
    return { client, store };
  };
  let current: { client: ReturnType<typeof createQuestDbClient>; store: QuestDbTokenStore } = await open();
  return {
    store: current.store,
    async reopen() {
      await current.store.close();
      current = await open();
      return current.store;
    },
    async cleanup() {
      await current.store.close();
      await current.client.exec(`DROP TABLE IF EXISTS ${prefix}access_tokens`);
    },
  };
});
