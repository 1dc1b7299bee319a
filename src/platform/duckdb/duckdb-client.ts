import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DuckDBConnection,
  DuckDBInstance,
  type DuckDBAppender,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { AppError } from '../../kernel/index.js';

/**
 * The thin DuckDB client: one local file (or ':memory:'), one instance, one
 * connection, opened on first use. It knows no tables; the capabilities'
 * adapters bring their own SQL.
 *
 * Timestamps in the adapters are TIMESTAMPTZ (an instant, stored as UTC
 * microseconds), converted only through integers (make_timestamptz(µs),
 * epoch_ms(ts)), never through text, so the process and session time zones
 * cannot shift them; the session zone is pinned to UTC anyway for ad-hoc SQL.
 */
export interface DuckDbOptions {
  /** Database file; ':memory:' for a throw-away store. The parent directory is created. */
  readonly path: string;
}

export interface DuckDbClient {
  /**
   * Runs `operation` on the connection, after every operation queued before it:
   * one connection, one statement sequence, so a BEGIN … COMMIT inside an
   * operation never interleaves with anything else. Failures come out as
   * AppError: I/O errors (disk full, file locked) STORE_UNAVAILABLE (retryable),
   * anything else STORE_QUERY_FAILED; after close, STORE_UNAVAILABLE.
   */
  run<T>(operation: (connection: DuckDBConnection) => Promise<T>): Promise<T>;
  /** Waits for the queued operations, then closes the connection and the instance. */
  close(): Promise<void>;
}

export function createDuckDbClient(options: DuckDbOptions): DuckDbClient {
  let opened: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;
  let closed = false;
  let tail: Promise<unknown> = Promise.resolve();

  return {
    run<T>(operation: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
      const result = tail.then(async () => {
        if (closed) throw new AppError('STORE_UNAVAILABLE', 'the DuckDB store is closed', { retryable: false });
        opened ??= open(options.path);
        const { connection } = await opened;
        try {
          return await operation(connection);
        } catch (cause) {
          throw toAppError(cause);
        }
      });
      tail = result.catch(() => undefined);
      return result;
    },
    async close() {
      await tail;
      closed = true;
      if (opened === undefined) return;
      const { instance, connection } = await opened.catch(() => ({ instance: undefined, connection: undefined }));
      connection?.closeSync();
      instance?.closeSync();
    },
  };
}

async function open(path: string): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  if (path !== ':memory:') await mkdir(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  // Pins text rendering and casts to UTC for any ad-hoc SQL; the adapters'
  // conversions use integers and do not depend on it.
  await connection.run(`SET TimeZone = 'UTC'`);
  return { instance, connection };
}

/** Runs a statement with typed parameters and returns its rows as plain JS objects. */
export async function queryRows(
  connection: DuckDBConnection,
  sql: string,
  values: DuckDBValue[] = [],
  types: DuckDBType[] = [],
): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql, values, types);
  return reader.getRowObjectsJS();
}

/**
 * Appends rows to a temp table through the appender, each prefixed with its
 * position (an INTEGER first column `ord`), so a later statement can keep the
 * batch order (e.g. "the last row for a key wins").
 */
export async function fillTempTable<T>(
  connection: DuckDBConnection,
  table: string,
  rows: readonly T[],
  append: (appender: DuckDBAppender, row: T) => void,
): Promise<void> {
  const appender = await connection.createAppender(table, 'main', 'temp');
  try {
    rows.forEach((row, ord) => {
      appender.appendInteger(ord);
      append(appender, row);
      appender.endRow();
    });
  } finally {
    appender.closeSync();
  }
}

/** Epoch ms to the microseconds of a TIMESTAMPTZ. */
export function micros(ms: number): bigint {
  if (!Number.isSafeInteger(ms)) throw new Error(`timestamp must be integer epoch ms, got ${ms}`);
  return BigInt(ms) * 1000n;
}

export function limit(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`limit must be a non-negative integer, got ${value}`);
  }
  return value;
}

/** DuckDB I/O failures (disk full, file locked) may pass; anything else is a query problem. */
function toAppError(cause: unknown): unknown {
  if (cause instanceof AppError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (/^IO Error/i.test(message)) {
    return new AppError('STORE_UNAVAILABLE', `DuckDB I/O failed: ${message}`, { retryable: true, cause });
  }
  return new AppError('STORE_QUERY_FAILED', `DuckDB failed: ${message}`, { cause });
}
