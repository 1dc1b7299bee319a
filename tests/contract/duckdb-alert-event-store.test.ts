import { createDuckDbAlertEventStore, createMemoryAlertEventStore } from '../../alerts/index.js';
import { createDuckDbClient } from '../../src/platform/duckdb/index.js';
import { alertEventStoreContract } from './alert-event-store.contract.js';

alertEventStoreContract('DuckDB (:memory:)', async () => {
  const client = createDuckDbClient({ path: ':memory:' });
  const store = createDuckDbAlertEventStore(client);
  await store.init();
  return { store, cleanup: () => client.close() };
});

// The backtest's in-memory log keeps the same contract, so a replay sees what the live store would.
alertEventStoreContract('in memory (backtest)', async () => ({
  store: createMemoryAlertEventStore(),
  cleanup: async () => undefined,
}));
