import { createQuestDbOutboxStore } from '../../alerts/index.js';
import { questDbForFile } from '../support/questdb-per-file.js';
import { outboxStoreContract } from './outbox-store.contract.js';

// One QuestDB for the file; each test gets its own table (a prefix), dropped afterwards.
const qdb = questDbForFile('o');

outboxStoreContract('QuestDB', async () => {
  const prefix = qdb.nextPrefix();
  const client = qdb.client(10_000);
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
