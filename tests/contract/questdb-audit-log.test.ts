import { createQuestDbAuditLog, type QuestDbAuditLog } from '../../access/index.js';
import { questDbForFile } from '../support/questdb-per-file.js';
import { auditLogContract } from './audit-log.contract.js';

// One QuestDB for the whole file; each test gets its own table (a prefix), dropped afterwards.
const qdb = questDbForFile('a');

auditLogContract('QuestDB', async () => {
  const prefix = qdb.nextPrefix();
  const open = async () => {
    const client = qdb.client();
    const log = createQuestDbAuditLog(client, { tablePrefix: prefix });
    await log.init();
    return { client, log };
  };
  let current: { client: ReturnType<typeof qdb.client>; log: QuestDbAuditLog } = await open();
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
