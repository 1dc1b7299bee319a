import { createQuestDbReviewStore } from '../../periods/index.js';
import { questDbForFile } from '../support/questdb-per-file.js';
import { reviewStoreContract } from './review-store.contract.js';

// One QuestDB for the whole file; each test gets its own table (a prefix), dropped afterwards.
const qdb = questDbForFile('r');

reviewStoreContract('QuestDB', async () => {
  const prefix = qdb.nextPrefix();
  const client = qdb.client();
  const store = createQuestDbReviewStore(client, { tablePrefix: prefix });
  await store.init();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await client.exec(`DROP TABLE IF EXISTS ${prefix}period_reviews`);
    },
  };
});
