import { join } from 'node:path';
import { createDuckDbAuditLog } from '../../access/index.js';
import { createDuckDbClient, type DuckDbClient } from '../../src/platform/duckdb/index.js';
import { makeTempDir, removeTempDir } from '../support/processes.js';
import { auditLogContract } from './audit-log.contract.js';

// A file, not ':memory:', so that a restart (a new client on the same file) has something to find.
auditLogContract('DuckDB (file)', async () => {
  const dir = await makeTempDir('duckdb-audit-log');
  const path = join(dir, 'store.duckdb');
  let client: DuckDbClient = createDuckDbClient({ path });
  const log = createDuckDbAuditLog(client);
  await log.init();
  return {
    log,
    async reopen() {
      await client.close();
      client = createDuckDbClient({ path });
      const reopened = createDuckDbAuditLog(client);
      await reopened.init();
      return reopened;
    },
    async cleanup() {
      await client.close();
      await removeTempDir(dir);
    },
  };
});
