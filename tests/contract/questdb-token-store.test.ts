import { createQuestDbTokenStore, type QuestDbTokenStore } from '../../access/index.js';
import { questDbForFile } from '../support/questdb-per-file.js';
import { tokenStoreContract } from './token-store.contract.js';

// One QuestDB for the whole file; each test gets its own table (a prefix), dropped afterwards.
const qdb = questDbForFile('t');

tokenStoreContract('QuestDB', async () => {
  const prefix = qdb.nextPrefix();
  const open = async () => {
    const client = qdb.client();
    const store = createQuestDbTokenStore(client, { tablePrefix: prefix });
    await store.init();
    return { client, store };
  };
  let current: { client: ReturnType<typeof qdb.client>; store: QuestDbTokenStore } = await open();
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
