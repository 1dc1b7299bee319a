/** The thin QuestDB client: `/exec` SQL, ILP writers, WAL wait, SQL literals. No table knowledge. */
export { createQuestDbClient, type ExecResult, type QuestDbClient } from './questdb-client.js';
export type { QuestDbOptions } from './questdb-connection.js';
export type { IlpLines, IlpWriter } from './ilp-writer.js';
export type { Sender as IlpSender } from '@questdb/nodejs-client';
export {
  inListFilter,
  limit,
  MAX_IN_LIST_CHARS,
  MAX_IN_LIST_VALUES,
  msToMicros,
  parseTimestamp,
  str,
  timeZone,
  ts,
} from './sql-literals.js';
