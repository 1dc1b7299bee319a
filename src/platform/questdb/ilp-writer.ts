import { Sender } from '@questdb/nodejs-client';
import { AppError } from '../../kernel/index.js';
import type { QuestDbConnection } from './questdb-connection.js';

/**
 * Writes through the official client over ILP/HTTP, one request per `write()`
 * (one WAL transaction, all or nothing). A 2xx means the rows are committed to
 * the table's WAL; QuestDB's default `cairo.commit.mode=nosync` does not fsync,
 * so a power loss (not a process crash) can lose recently confirmed rows. Sites
 * that need power-loss safety set `cairo.commit.mode=sync` in QuestDB's
 * server.conf (slower).
 *
 * The client's auto-flush is off: the caller (ingest's spool drainer, with its
 * flush interval and batch size) decides when a batch is sent and waits for
 * its confirmation.
 */
export interface IlpWriter {
  /**
   * Encodes rows with `encode`, then flushes them as one request. One flush in
   * flight at a time, in call order: the spool drainer's checkpoint logic relies
   * on batches being confirmed in the order they were written. Rejects with
   * AppError STORE_UNAVAILABLE (retryable) when QuestDB did not confirm, and
   * STORE_QUERY_FAILED when it refused the batch or a row could not be encoded.
   */
  write(encode: (sender: Sender) => Promise<void>): Promise<void>;
  /** Waits for the flush in flight, then closes the client. */
  close(): Promise<void>;
}

export function createIlpWriter(connection: QuestDbConnection): IlpWriter {
  let sender: Sender | undefined;
  let tail: Promise<unknown> = Promise.resolve();

  async function doWrite(encode: (sender: Sender) => Promise<void>): Promise<void> {
    sender ??= await createSender(connection);
    const s = sender;
    s.reset();
    try {
      await encode(s);
    } catch (cause) {
      s.reset();
      throw new AppError('STORE_QUERY_FAILED', `a row could not be encoded for QuestDB: ${errorMessage(cause)}`, {
        cause,
      });
    }
    try {
      await s.flush();
    } catch (cause) {
      s.reset();
      throw flushError(cause);
    }
  }

  return {
    write(encode) {
      const result = tail.then(() => doWrite(encode));
      tail = result.catch(() => undefined);
      return result;
    },
    async close() {
      await tail;
      await sender?.close();
      sender = undefined;
    },
  };
}

async function createSender(connection: QuestDbConnection): Promise<Sender> {
  const { base, requestTimeoutMs, token } = connection;
  const https = base.protocol === 'https:';
  const conf = [
    `${https ? 'https' : 'http'}::addr=${base.hostname}:${base.port || (https ? '443' : '9000')}`,
    'auto_flush=off',
    // Pinned instead of 'auto', which would ask the server at construction time;
    // v2 also sends doubles in binary, so values arrive bit-exact.
    'protocol_version=2',
    // Node's own http instead of the default undici transport: with undici 7.30 the
    // client's RetryAgent retries a refused connection forever and ignores its abort
    // signal, so flush() never settles while QuestDB is down (reproduced here).
    'stdlib_http=on',
    `request_timeout=${requestTimeoutMs}`,
    // No retries inside the client: the spool drainer retries with its own back-off
    // and must hear about an outage promptly.
    'retry_timeout=0',
    token === undefined ? '' : `token=${token.replaceAll(';', ';;')}`,
  ].filter((part) => part !== '');
  // The client logs to the console by default; failures reach the caller as AppError instead.
  return Sender.fromConfig(conf.join(';') + ';', { log: () => {} });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The client reports a non-2xx answer as "HTTP request failed, statusCode=N, error=…".
 * A 4xx means QuestDB refused the batch itself (malformed row, column type clash):
 * retrying the same batch cannot succeed, so it is not marked retryable. Anything
 * else (refused connection, timeout, 5xx) is the store being unavailable.
 */
function flushError(cause: unknown): AppError {
  const message = errorMessage(cause);
  const status = /statusCode=(\d{3})/.exec(message)?.[1];
  if (status !== undefined && status.startsWith('4')) {
    return new AppError(
      'STORE_QUERY_FAILED',
      `QuestDB rejected the batch (malformed row or schema mismatch): ${message}`,
      { cause, details: { status: Number(status) } },
    );
  }
  const suspended = /suspend/i.test(message) ? ' (a table is suspended)' : '';
  return new AppError('STORE_UNAVAILABLE', `QuestDB did not confirm the batch${suspended}: ${message}`, {
    retryable: true,
    cause,
  });
}
