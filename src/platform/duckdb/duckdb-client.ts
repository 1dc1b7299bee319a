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
import { isBackgroundWork } from '../background-work.js';

/**
 * The thin DuckDB client: one local file (or ':memory:'), one instance, opened on
 * first use, with one connection for the writes and a few for the reads. It knows
 * no tables; the capabilities' adapters bring their own SQL.
 *
 * Timestamps in the adapters are TIMESTAMPTZ (an instant, stored as UTC
 * microseconds), converted only through integers (make_timestamptz(µs),
 * epoch_ms(ts)), never through text, so the process and session time zones
 * cannot shift them; the session zone is pinned to UTC anyway for ad-hoc SQL.
 */
export interface DuckDbOptions {
  /** Database file; ':memory:' for a throw-away store. The parent directory is created. */
  readonly path: string;
  /**
   * Connections for `read`, opened as reads need them (default 2). Each query of the Node binding holds a libuv
   * worker thread while it runs (4 by default, shared with file I/O: the spool's writes and fsyncs): the write
   * connection and two readers leave one free.
   */
  readonly readConnections?: number;
}

export interface DuckDbClient {
  /**
   * Runs `operation` on the write connection, after every operation queued before it:
   * one connection, one statement sequence, so a BEGIN … COMMIT inside an
   * operation never interleaves with anything else. Failures come out as
   * AppError: I/O errors (disk full, file locked) STORE_UNAVAILABLE (retryable),
   * anything else STORE_QUERY_FAILED; after close, STORE_UNAVAILABLE.
   */
  run<T>(operation: (connection: DuckDBConnection) => Promise<T>): Promise<T>;
  /**
   * Runs a read-only `operation` on a connection of its own for its whole run (a temp table it makes is its
   * connection's), inside one transaction, so all its statements see one snapshot of what was committed when it
   * started. It does not wait for the `run` queue, nor for other reads while a read connection is free: a token
   * lookup is not held behind a month's consumption query or the drainer's batch. Background work
   * (`runAsBackground`, src/platform/background-work.ts: the scheduled jobs) holds at most `readConnections` − 1
   * connections (with one, it shares it), and a connection freed goes to a waiting request before any background
   * read. A write the caller awaited is visible; one still queued may not be. Failures as for `run`.
   */
  read<T>(operation: (connection: DuckDBConnection) => Promise<T>): Promise<T>;
  /** Waits for the queued and running operations, then closes the connections and the instance. */
  close(): Promise<void>;
}

const DEFAULT_READ_CONNECTIONS = 2;

export function createDuckDbClient(options: DuckDbOptions): DuckDbClient {
  const readSlots = options.readConnections ?? DEFAULT_READ_CONNECTIONS;
  if (!Number.isSafeInteger(readSlots) || readSlots < 1) {
    throw new Error(`readConnections must be a positive integer, got ${readSlots}`);
  }
  let opened: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;
  let closed = false;
  let tail: Promise<unknown> = Promise.resolve();
  // The reads: a slot per read connection (a read waits for a free slot), the connections opened and idle, and
  // every read not yet settled (close waits for them). Background work (a scheduled job: the alert evaluation
  // asks dozens of reads at once) holds at most all slots but one, and a freed slot goes to a waiting request
  // first: a request's token lookup or consumption query does not queue behind the evaluation's waiting reads
  // (bench/README.md, issue 10, third pass). A request that awaits work a job started (a shared cache fill) still
  // waits as that job's reads do. With one read connection the two share it, requests still first.
  let freeSlots = readSlots;
  const backgroundCap = Math.max(1, readSlots - 1);
  let backgroundHeld = 0;
  const requestWaiters: (() => void)[] = [];
  const backgroundWaiters: (() => void)[] = [];
  const idle: DuckDBConnection[] = [];
  const reads = new Set<Promise<unknown>>();

  const store = async () => {
    if (closed) throw new AppError('STORE_UNAVAILABLE', 'the DuckDB store is closed', { retryable: false });
    opened ??= open(options.path);
    return opened;
  };

  // A slot handed to a waiter stays taken (freeSlots unchanged); the giver counts a background one as held.
  const takeSlot = async (background: boolean) => {
    if (background) {
      if (freeSlots > 0 && backgroundHeld < backgroundCap) {
        freeSlots--;
        backgroundHeld++;
      } else await new Promise<void>((resolve) => backgroundWaiters.push(resolve));
    } else if (freeSlots > 0) freeSlots--;
    else await new Promise<void>((resolve) => requestWaiters.push(resolve));
  };
  const giveSlot = (background: boolean) => {
    if (background) backgroundHeld--;
    const request = requestWaiters.shift();
    if (request !== undefined) {
      request();
      return;
    }
    const next = backgroundHeld < backgroundCap ? backgroundWaiters.shift() : undefined;
    if (next === undefined) {
      freeSlots++;
      return;
    }
    backgroundHeld++;
    next();
  };

  const readOn = async <T>(operation: (connection: DuckDBConnection) => Promise<T>): Promise<T> => {
    const background = isBackgroundWork();
    await takeSlot(background);
    try {
      const { instance } = await store();
      const connection = idle.pop() ?? (await connect(instance));
      let reusable = true;
      try {
        await connection.run('BEGIN TRANSACTION');
        try {
          return await operation(connection);
        } finally {
          // Read-only: nothing to commit; the rollback also drops what the operation made inside the transaction.
          await connection.run('ROLLBACK').catch(() => {
            reusable = false;
          });
        }
      } finally {
        if (reusable) idle.push(connection);
        else connection.closeSync();
      }
    } catch (cause) {
      throw toAppError(cause);
    } finally {
      giveSlot(background);
    }
  };

  return {
    run<T>(operation: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
      const result = tail.then(async () => {
        const { connection } = await store();
        try {
          return await operation(connection);
        } catch (cause) {
          throw toAppError(cause);
        }
      });
      tail = result.catch(() => undefined);
      return result;
    },
    read<T>(operation: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
      const result = readOn(operation);
      const settled = result.catch(() => undefined);
      reads.add(settled);
      void settled.then(() => reads.delete(settled));
      return result;
    },
    async close() {
      await tail;
      while (reads.size > 0) await Promise.all(reads);
      closed = true;
      if (opened === undefined) return;
      const { instance, connection } = await opened.catch(() => ({ instance: undefined, connection: undefined }));
      for (const reader of idle.splice(0)) reader.closeSync();
      connection?.closeSync();
      instance?.closeSync();
    },
  };
}

async function open(path: string): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  if (path !== ':memory:') await mkdir(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(path);
  return { instance, connection: await connect(instance) };
}

async function connect(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const connection = await instance.connect();
  // Pins text rendering and casts to UTC for any ad-hoc SQL (a setting of each connection); the adapters'
  // conversions use integers and do not depend on it.
  await connection.run(`SET TimeZone = 'UTC'`);
  return connection;
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
