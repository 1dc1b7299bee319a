import { AppError } from '../../kernel/index.js';
import { createIlpWriter, type IlpWriter } from './ilp-writer.js';
import { questDbConnection, type QuestDbOptions } from './questdb-connection.js';
import { str } from './sql-literals.js';

/**
 * The thin QuestDB client: SQL over `/exec` with its failures mapped to AppError,
 * the WAL wait, a ping, and a factory for ILP writers. It knows no tables; the
 * capabilities' adapters (ingest's readings and quarantine, accounting's
 * roll-ups) bring their own SQL.
 *
 * `/exec` goes through Node's global fetch, whose agent keeps connections alive,
 * so a report's many small queries reuse a few sockets.
 */
export interface QuestDbClient {
  /** Runs one statement. Rejects with STORE_UNAVAILABLE (retryable) or STORE_QUERY_FAILED. */
  exec(sql: string): Promise<ExecResult>;
  /**
   * ILP/HTTP confirms once rows are in the WAL; the apply job makes them visible
   * later. Waits until each table's writer has caught up with the sequencer txn
   * seen at the start. A suspended table never catches up, so it is reported at
   * once (STORE_QUERY_FAILED, details.table); past the sync timeout,
   * STORE_UNAVAILABLE.
   */
  waitForWal(tables: readonly string[]): Promise<void>;
  /** Cheap reachability check for /readyz. */
  ping(): Promise<void>;
  /** A new ILP writer over this connection; its owner closes it. */
  createIlpWriter(): IlpWriter;
}

export interface ExecResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly dataset: readonly (readonly unknown[])[];
}

const SYNC_POLL_MS = 20;

export function createQuestDbClient(options: QuestDbOptions): QuestDbClient {
  const connection = questDbConnection(options);
  const { base, syncTimeoutMs } = connection;
  const headers: Record<string, string> =
    connection.token === undefined ? {} : { authorization: `Bearer ${connection.token}` };

  async function exec(sql: string): Promise<ExecResult> {
    const url = new URL('/exec', base);
    url.searchParams.set('query', sql);
    let response: Response;
    let body: string;
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(connection.requestTimeoutMs) });
      body = await response.text();
    } catch (cause) {
      throw new AppError('STORE_UNAVAILABLE', `QuestDB at ${base.origin} did not answer`, { retryable: true, cause });
    }
    const json = parseJson(body);
    const serverError = typeof json?.error === 'string' ? json.error : undefined;
    if (response.status >= 500 && serverError === undefined) {
      throw new AppError('STORE_UNAVAILABLE', `QuestDB answered HTTP ${response.status}`, {
        retryable: true,
        details: { body: body.slice(0, 500) },
      });
    }
    if (!response.ok || serverError !== undefined || json === undefined) {
      const reason = serverError ?? `HTTP ${response.status} ${body.slice(0, 200)}`;
      throw new AppError('STORE_QUERY_FAILED', `QuestDB rejected SQL: ${reason}`, {
        details: { sql, status: response.status },
      });
    }
    return {
      columns: Array.isArray(json.columns) ? json.columns : [],
      dataset: Array.isArray(json.dataset) ? json.dataset : [],
    };
  }

  async function waitForWal(tables: readonly string[]): Promise<void> {
    const deadline = Date.now() + syncTimeoutMs;
    let targets: Map<string, number> | undefined;
    for (;;) {
      const result = await exec(
        `SELECT name, suspended, writerTxn, sequencerTxn, errorTag, errorMessage FROM wal_tables()` +
          ` WHERE name IN (${tables.map(str).join(', ')})`,
      );
      for (const row of result.dataset) {
        if (row[1] === true) throw suspendedError(row);
      }
      targets ??= new Map(result.dataset.map((row) => [String(row[0]), Number(row[3])]));
      const caughtUp = result.dataset.every((row) => Number(row[2]) >= (targets?.get(String(row[0])) ?? 0));
      if (caughtUp) return;
      if (Date.now() > deadline) {
        throw new AppError('STORE_UNAVAILABLE', `QuestDB did not apply its WAL within ${syncTimeoutMs} ms`, {
          retryable: true,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, SYNC_POLL_MS));
    }
  }

  return {
    exec,
    waitForWal,
    async ping() {
      await exec('SELECT 1');
    },
    createIlpWriter: () => createIlpWriter(connection),
  };
}

function suspendedError(row: readonly unknown[]): AppError {
  const [table, , , , errorTag, errorMessage] = row;
  return new AppError(
    'STORE_QUERY_FAILED',
    `QuestDB table ${String(table)} is suspended (WAL apply failed: ${String(errorTag)} ${String(errorMessage)});` +
      ' run ALTER TABLE ... RESUME WAL after fixing the cause',
    { details: { table, errorTag, errorMessage } },
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON from the server, checked field by field
function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
