import { afterAll, beforeAll } from 'vitest';
import { createQuestDbAuditLog, type QuestDbAuditLog } from '../../access/index.js';
import { createQuestDbClient } from '../../src/platform/questdb/index.js';
import { startQuestDb, type QuestDbHandle } from '../support/questdb.js';
import { auditLogContract } from './audit-log.contract.js';

// One QuestDB for the whole file; each test gets its own table (a prefix), dropped afterwards.
let qdb: QuestDbHandle;
let tableSet = 0;

beforeAll(async () => {
  qdb = await startQuestDb();
});
afterAll(async () => {
  await qdb?.dispose();
});

auditLogContract('QuestDB', async () => {
  tableSet += 1;
  const prefix = `a${tableSet}_`;
  const open = async () => {
    const client = createQuestDbClient({ url: qdb.url, requestTimeoutMs: 5_000 });
    const log = createQuestDbAuditLog(client, { tablePrefix: prefix });
    await log.init();
    return { client, log };
  };
  let current: { client: ReturnType<typeof createQuestDbClient>; log: QuestDbAuditLog } = await open();
  return {
    log: current.log,
    async reopen() {
      await current.log.close();
      current = await open();
      return current.log;
    },
    async cleanup() {
      await current.log.close();
      await current.client.exec(`DROP TABLE IF EXISTS ${prefix}audit_log`);
    },
  };
});
