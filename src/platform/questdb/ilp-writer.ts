import { createTransport, Sender, SenderOptions, type SenderTransport } from '@questdb/nodejs-client';
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
  /**
   * The same contract as `write`, for the hot path (ingest's readings): `build` appends rows to an
   * `IlpLines` buffer, which goes out as one request through the client's own HTTP transport. The
   * client's row API costs ~17 µs per reading row (a native buffer write per character, a BigInt and
   * two promises per row); this one ~2.5–4 µs, with the same escaping and the same v2 binary doubles.
   */
  writeLines(build: (lines: IlpLines) => void): Promise<void>;
  /** Waits for the flush in flight, then closes the client. */
  close(): Promise<void>;
}

export function createIlpWriter(connection: QuestDbConnection): IlpWriter {
  let sender: Sender | undefined;
  let transport: SenderTransport | undefined;
  const lines = new IlpLines();
  let tail: Promise<unknown> = Promise.resolve();

  async function doWriteLines(build: (lines: IlpLines) => void): Promise<void> {
    transport ??= createTransport(await SenderOptions.fromConfig(senderConfig(connection), { log: () => {} }));
    lines.reset();
    let body: Buffer;
    try {
      build(lines);
      body = lines.toBuffer();
    } catch (cause) {
      throw new AppError('STORE_QUERY_FAILED', `a row could not be encoded for QuestDB: ${errorMessage(cause)}`, {
        cause,
      });
    } finally {
      lines.shrink();
    }
    if (body.length === 0) return;
    try {
      await transport.send(body);
    } catch (cause) {
      throw flushError(cause);
    }
  }

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
    writeLines(build) {
      const result = tail.then(() => doWriteLines(build));
      tail = result.catch(() => undefined);
      return result;
    },
    async close() {
      await tail;
      await sender?.close();
      await transport?.close();
      sender = undefined;
      transport = undefined;
    },
  };
}

async function createSender(connection: QuestDbConnection): Promise<Sender> {
  // The client logs to the console by default; failures reach the caller as AppError instead.
  return Sender.fromConfig(senderConfig(connection), { log: () => {} });
}

function senderConfig(connection: QuestDbConnection): string {
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
  return conf.join(';') + ';';
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

/** ILP v2's binary double: `=` then this type byte, then 8 bytes little-endian (bit-exact, as the client sends it). */
const ENTITY_TYPE_DOUBLE = 16;
/** Characters escaped with a backslash in names and symbol values, and in string values (ILP's rules). */
const UNQUOTED_SPECIAL = /[ ,=\n\r\\]/;
const UNQUOTED_SPECIAL_ALL = /[ ,=\n\r\\]/g;
const QUOTED_SPECIAL = /["\n\r\\]/;
const QUOTED_SPECIAL_ALL = /["\n\r\\]/g;
const INITIAL_BYTES = 64 * 1024;
/** A buffer grown past this by one big batch is given back after it (memory between batches). */
const KEEP_BYTES = 4 * 1024 * 1024;

/**
 * ILP rows in one growable buffer, written a whole string at a time. The escaping follows the
 * official client's (space, comma, equals, CR, LF and backslash in names and symbols; quote,
 * CR, LF and backslash in strings); timestamps are epoch ms written as microseconds (`…000t`,
 * exact without a BigInt). Names are the stores' own identifiers and are not validated here.
 * Each method expects the row order ILP requires: table, symbols, columns, `at`.
 */
export class IlpLines {
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private position = 0;
  private fieldCount = 0;
  private rowCount = 0;

  /** Rows completed so far. */
  get rows(): number {
    return this.rowCount;
  }

  table(name: string): this {
    this.fieldCount = 0;
    this.text(escapeUnquoted(name));
    return this;
  }

  symbol(name: string, value: string): this {
    this.text(',' + name + '=' + escapeUnquoted(value));
    return this;
  }

  string(name: string, value: string): this {
    this.text(this.separator() + name + '="' + (QUOTED_SPECIAL.test(value) ? escapeQuoted(value) : value) + '"');
    return this;
  }

  float(name: string, value: number): this {
    if (typeof value !== 'number') throw new Error(`column ${name} must be a number, got ${typeof value}`);
    this.text(this.separator() + name + '=');
    this.ensure(10);
    this.buffer[this.position++] = 0x3d;
    this.buffer[this.position++] = ENTITY_TYPE_DOUBLE;
    this.position = this.buffer.writeDoubleLE(value, this.position);
    return this;
  }

  int(name: string, value: number): this {
    if (!Number.isInteger(value)) throw new Error(`column ${name} must be an integer, got ${value}`);
    this.text(this.separator() + name + '=' + String(value) + 'i');
    return this;
  }

  /** A TIMESTAMP column from epoch ms. */
  timestampMs(name: string, ms: number): this {
    this.text(this.separator() + name + '=' + microsText(ms) + 't');
    return this;
  }

  /** Ends the row with its designated timestamp (epoch ms). */
  atMs(ms: number): this {
    this.text(' ' + microsText(ms) + 't\n');
    this.rowCount++;
    return this;
  }

  reset(): void {
    this.position = 0;
    this.fieldCount = 0;
    this.rowCount = 0;
  }

  /** The rows written, copied out (the buffer is reused for the next batch). */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.position));
  }

  /** Gives back a buffer a very large batch grew. */
  shrink(): void {
    if (this.buffer.length > KEEP_BYTES) this.buffer = Buffer.allocUnsafe(INITIAL_BYTES);
    this.reset();
  }

  private separator(): string {
    return this.fieldCount++ === 0 ? ' ' : ',';
  }

  private text(value: string) {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    this.ensure(value.length * 3);
    this.position += this.buffer.write(value, this.position, 'utf8');
  }

  private ensure(bytes: number) {
    if (this.position + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (this.position + bytes > size) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buffer.copy(bigger, 0, 0, this.position);
    this.buffer = bigger;
  }
}

function escapeUnquoted(value: string): string {
  return UNQUOTED_SPECIAL.test(value) ? value.replace(UNQUOTED_SPECIAL_ALL, (c) => '\\' + c) : value;
}

function escapeQuoted(value: string): string {
  return value.replace(QUOTED_SPECIAL_ALL, (c) => '\\' + c);
}

/** Epoch ms as integer microseconds in decimal, exact for every safe integer (no float multiplication). */
function microsText(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new Error(`timestamp must be integer epoch ms, got ${ms}`);
  return ms === 0 ? '0' : String(ms) + '000';
}
