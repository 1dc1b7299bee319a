import { createQuestDbAlertEventStore } from '../../alerts/index.js';
import { questDbForFile } from '../support/questdb-per-file.js';
import { alertEventStoreContract } from './alert-event-store.contract.js';

// One QuestDB for the whole file; each test gets its own table (a prefix), dropped afterwards.
const qdb = questDbForFile('e');

alertEventStoreContract('QuestDB', async () => {
  const prefix = qdb.nextPrefix();
  const client = qdb.client();
  const store = createQuestDbAlertEventStore(client, { tablePrefix: prefix });
  await store.init();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await client.exec(`DROP TABLE IF EXISTS ${prefix}alert_events`);
    },
  };
});
