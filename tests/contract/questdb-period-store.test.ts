import { createQuestDbPeriodStore } from '../../periods/index.js';
import { questDbForFile } from '../support/questdb-per-file.js';
import { periodStoreContract } from './period-store.contract.js';

// One QuestDB for the whole file; each test gets its own tables (a prefix), dropped afterwards.
const qdb = questDbForFile('p');

periodStoreContract('QuestDB', async () => {
  const prefix = qdb.nextPrefix();
  const client = qdb.client();
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
