import { afterAll, beforeAll } from 'vitest';
import { createQuestDbClient, type QuestDbClient } from '../../src/platform/questdb/index.js';
import { startQuestDb, type QuestDbHandle } from './questdb.js';

export interface QuestDbForFile {
  /** A new client of the file's QuestDB (call it inside a test or hook: the server starts in beforeAll). */
  client(requestTimeoutMs?: number): QuestDbClient;
  /** A table prefix no earlier call in the file gave, e.g. p1_, p2_: each test gets its own tables. */
  nextPrefix(): string;
}

/**
 * One QuestDB for a whole test file, as the store contract runners use it: started before the file's
 * tests, stopped after them, each test on its own prefixed tables.
 */
export function questDbForFile(prefixLetter: string): QuestDbForFile {
  let qdb: QuestDbHandle | undefined;
  let tableSets = 0;
  beforeAll(async () => {
    qdb = await startQuestDb();
  });
  afterAll(async () => {
    await qdb?.dispose();
  });
  return {
    client(requestTimeoutMs = 5_000) {
      if (qdb === undefined) throw new Error('QuestDB is not started yet: call client() inside a test or hook');
      return createQuestDbClient({ url: qdb.url, requestTimeoutMs });
    },
    nextPrefix: () => `${prefixLetter}${++tableSets}_`,
  };
}
