/** The thin DuckDB client: one instance, serialised writes, pooled reads, typed queries, appender fill. */
export {
  createDuckDbClient,
  fillTempTable,
  limit,
  micros,
  queryRows,
  type DuckDbClient,
  type DuckDbOptions,
} from './duckdb-client.js';
export {
  BIGINT,
  DuckDBTimestampTZValue,
  INTEGER,
  LIST,
  listValue,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBConnection,
} from '@duckdb/node-api';
