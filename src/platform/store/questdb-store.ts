import { Sender } from '@questdb/nodejs-client';
import { AppError, localDays, type LocalDay, type QuarantineRecord, type Reading, type RejectionReason } from '../../kernel/index.js';
import type { EdgeQuery, EdgeReadings, MeterSummary, QuarantineQuery, ReadingQuery, ReadingStore, RegisterSegment, SegmentBucket, SegmentQuery } from './reading-store.js';

/**
 * QuestDB, the production store (DESIGN.md §5). Writes go through the official
 * client over ILP/HTTP, one request per `write()` (one WAL transaction, all or
 * nothing); reads and DDL go through the SQL endpoint `/exec`.
 *
 * Durability: a 2xx from ILP/HTTP means the rows are committed to the table's WAL,
 * but QuestDB's default `cairo.commit.mode=nosync` does not fsync, so a power loss
 * (not a process crash) can lose recently confirmed rows. Sites that need
 * power-loss safety set `cairo.commit.mode=sync` in QuestDB's server.conf (slower).
 */
export interface QuestDbStoreOptions {
  /** QuestDB's HTTP endpoint, e.g. `http://127.0.0.1:9000`. */
  readonly url: string;
  /** Deadline for one SQL request; for an ILP flush, the time allowed without progress (plus size / 100 KiB/s). */
  readonly requestTimeoutMs: number;
  /** Bearer token (QuestDB Enterprise or a proxy in front of OSS). */
  readonly token?: string;
  /** Prepended to both table names; lets tests (or two environments) share one server. */
  readonly tablePrefix?: string;
  /** How long `sync()` waits for the WAL to be applied before giving up. Default 30 s. */
  readonly syncTimeoutMs?: number;
}

interface ExecResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly dataset: readonly (readonly unknown[])[];
}

const SYNC_POLL_MS = 20;

const SAMPLE_BY: Record<SegmentBucket, string> = { hour: '1h', day: '1d', month: '1M' };

/**
 * Above this many meter ids a query scans every meter of the range and drops the
 * others in Node: `/exec` takes SQL in the URL, and an IN list of a region's
 * 10 000 ids would not fit in QuestDB's request header buffer.
 */
const MAX_IN_LIST_IDS = 500;
/** QuestDB refuses a URL query string much over ~32 KiB ("URL query string is too long"). */
const MAX_IN_LIST_CHARS = 12_000;

const STATE_ROWS_PER_INSERT = 40;

/** Up to this many days, the roll-up's freshness check asks day by day (see dayFingerprints). */
const PER_DAY_FINGERPRINT_MAX_DAYS = 62;

/** Edge readings are looked for in a short window first, then in the whole window for the meters still missing. */
const EDGE_FIRST_WINDOW_MS = 86_400_000;

export function createQuestDbStore(options: QuestDbStoreOptions): ReadingStore {
  const base = new URL(options.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`QuestDB url must be http(s): ${options.url}`);
  const prefix = options.tablePrefix ?? '';
  if (!/^[A-Za-z0-9_]*$/.test(prefix)) throw new Error(`tablePrefix must match [A-Za-z0-9_]*: ${prefix}`);
  const readingsTable = `${prefix}readings`;
  const quarantineTable = `${prefix}quarantine`;
  const segmentsTable = `${prefix}segments_day`;
  const segmentStateTable = `${prefix}segments_day_state`;
  const syncTimeoutMs = options.syncTimeoutMs ?? 30_000;
  const headers: Record<string, string> = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };

  let sender: Sender | undefined;
  // One ILP flush in flight at a time: the spool writer's checkpoint logic relies on
  // batches being confirmed in the order they were written.
  let writeTail: Promise<unknown> = Promise.resolve();
  // One roll-up refresh at a time (two reports asking for the same stale days would compute them twice).
  let refreshTail: Promise<unknown> = Promise.resolve();
  /**
   * Local days (per zone) whose roll-up was found current when the readings
   * table's applied txn was `txn` (read before their fingerprints). While that
   * txn has not moved, no reading was added or rewritten, so the fingerprints
   * cannot have changed: a report asking the same days again (the refinement
   * of anomalous months, a warm report) skips them.
   */
  let verified: { readonly txn: string; readonly days: Map<string, Set<number>> } | undefined;

  async function fetchOnce(url: URL): Promise<{ response: Response; body: string }> {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(options.requestTimeoutMs) });
    return { response, body: await response.text() };
  }

  async function exec(sql: string): Promise<ExecResult> {
    const url = new URL('/exec', base);
    url.searchParams.set('query', sql);
    let response: Response;
    let body: string;
    try {
      ({ response, body } = await fetchOnce(url));
    } catch (cause) {
      throw new AppError('STORE_UNAVAILABLE', `QuestDB at ${base.origin} did not answer`, { retryable: true, cause });
    }
    const json = parseJson(body);
    const serverError = typeof json?.error === 'string' ? json.error : undefined;
    if (response.status >= 500 && serverError === undefined) {
      throw new AppError('STORE_UNAVAILABLE', `QuestDB answered HTTP ${response.status}`, { retryable: true, details: { body: body.slice(0, 500) } });
    }
    if (!response.ok || serverError !== undefined || json === undefined) {
      throw new AppError('STORE_QUERY_FAILED', `QuestDB rejected SQL: ${serverError ?? `HTTP ${response.status} ${body.slice(0, 200)}`}`, {
        details: { sql, status: response.status },
      });
    }
    return { columns: Array.isArray(json.columns) ? json.columns : [], dataset: Array.isArray(json.dataset) ? json.dataset : [] };
  }

  async function createSender(): Promise<Sender> {
    const conf = [
      `${base.protocol === 'https:' ? 'https' : 'http'}::addr=${base.hostname}:${base.port || (base.protocol === 'https:' ? '443' : '9000')}`,
      // The spool writer decides when a batch is sent and waits for its confirmation.
      'auto_flush=off',
      // Pinned instead of 'auto', which would ask the server at construction time;
      // v2 also sends doubles in binary, so values arrive bit-exact.
      'protocol_version=2',
      // Node's own http instead of the default undici transport: with undici 7.30 the
      // client's RetryAgent retries a refused connection forever and ignores its abort
      // signal, so flush() never settles while QuestDB is down (reproduced here).
      'stdlib_http=on',
      `request_timeout=${options.requestTimeoutMs}`,
      // No retries inside the client: the spool writer retries with its own back-off
      // and must hear about an outage promptly.
      'retry_timeout=0',
      options.token === undefined ? '' : `token=${options.token.replaceAll(';', ';;')}`,
    ].filter((part) => part !== '');
    // The client logs to the console by default; failures reach the caller as AppError instead.
    return Sender.fromConfig(conf.join(';') + ';', { log: () => {} });
  }

  async function doWrite(readings: readonly Reading[], quarantined: readonly QuarantineRecord[]): Promise<void> {
    sender ??= await createSender();
    const s = sender;
    s.reset();
    try {
      for (const r of readings) {
        s.table(readingsTable).symbol('meter_id', r.meterId).symbol('quality', r.quality).floatColumn('value', r.value);
        if (r.seq !== null) s.intColumn('seq', r.seq);
        s.timestampColumn('received_at', msToMicros(r.receivedAtMs), 'us');
        await s.at(msToMicros(r.tsMs), 'us');
      }
      for (const q of quarantined) {
        s.table(quarantineTable).symbol('reason', q.reason).stringColumn('id', q.id).stringColumn('topic', q.topic);
        if (q.meterId !== null) s.stringColumn('meter_id', q.meterId);
        s.stringColumn('detail', q.detail).stringColumn('payload', q.payload);
        await s.at(msToMicros(q.receivedAtMs), 'us');
      }
    } catch (cause) {
      s.reset();
      throw new AppError('STORE_QUERY_FAILED', `a row could not be encoded for QuestDB: ${errorMessage(cause)}`, { cause });
    }
    try {
      await s.flush();
    } catch (cause) {
      s.reset();
      throw flushError(cause);
    }
  }

  async function readingsPage(query: ReadingQuery): Promise<Reading[]> {
    const after = query.afterTsMs === undefined ? '' : ` AND ts > ${ts(query.afterTsMs)}`;
    const result = await exec(
      `SELECT meter_id, ts, value, seq, received_at, quality FROM ${readingsTable}` +
        ` WHERE meter_id = ${str(query.meterId)} AND ts >= ${ts(query.fromMs)} AND ts < ${ts(query.toMs)}${after}` +
        ` ORDER BY ts LIMIT ${limit(query.limit)}`,
    );
    return result.dataset.map(toReading);
  }

  async function quarantinePage(query: QuarantineQuery): Promise<QuarantineRecord[]> {
    const conditions = [`received_at >= ${ts(query.fromMs)}`, `received_at < ${ts(query.toMs)}`];
    if (query.reason !== undefined) conditions.push(`reason = ${str(query.reason)}`);
    if (query.after !== undefined) {
      const at = ts(query.after.receivedAtMs);
      conditions.push(`(received_at > ${at} OR (received_at = ${at} AND id > ${str(query.after.id)}))`);
    }
    const result = await exec(
      `SELECT id, received_at, topic, meter_id, reason, detail, payload FROM ${quarantineTable}` +
        ` WHERE ${conditions.join(' AND ')} ORDER BY received_at, id LIMIT ${limit(query.limit)}`,
    );
    return result.dataset.map((row) => ({
      id: String(row[0]),
      receivedAtMs: parseTimestamp(row[1]),
      topic: String(row[2]),
      meterId: row[3] === null ? null : String(row[3]),
      reason: String(row[4]) as RejectionReason,
      detail: String(row[5] ?? ''),
      payload: String(row[6] ?? ''),
    }));
  }

  async function meterSummaries(): Promise<Map<string, MeterSummary>> {
    const [latest, counts] = await Promise.all([
      exec(`SELECT meter_id, ts, received_at FROM ${readingsTable} LATEST ON ts PARTITION BY meter_id`),
      exec(`SELECT meter_id, count() FROM ${readingsTable}`),
    ]);
    const countByMeter = new Map(counts.dataset.map((row) => [String(row[0]), Number(row[1])]));
    const summaries = new Map<string, MeterSummary>();
    for (const row of latest.dataset) {
      const meterId = String(row[0]);
      summaries.set(meterId, { lastTsMs: parseTimestamp(row[1]), lastReceivedAtMs: parseTimestamp(row[2]), readings: countByMeter.get(meterId) ?? 0 });
    }
    return summaries;
  }

  function meterFilter(meterIds: readonly string[]): string {
    if (meterIds.length > MAX_IN_LIST_IDS) return '';
    const list = meterIds.map(str).join(', ');
    return list.length <= MAX_IN_LIST_CHARS ? ` AND meter_id IN (${list})` : '';
  }

  /**
   * Register segments straight from the readings: a window `lag` over each
   * meter's readings in the range, then SAMPLE BY the bucket aligned to the
   * calendar of the time zone (a Shanghai day starts at 16:00Z). The window
   * keeps the designated timestamp's order, which SAMPLE BY and first()/last()
   * rely on. Measured: ~8 s for 28.8 M rows on 2 cores (the window is
   * single-threaded), hence the day roll-up below for whole days.
   */
  function directSegmentsSql(query: SegmentQuery): string {
    return (
      `SELECT ts, meter_id, first(ts), first(value), last(ts), last(value), count(),` +
      ` sum(CASE WHEN value < prev_value THEN 1 ELSE 0 END), max((value - prev_value) / ((ts - prev_ts) / 3600000000.0))` +
      ` FROM (SELECT meter_id, ts, value, lag(value) OVER (PARTITION BY meter_id ORDER BY ts) prev_value,` +
      ` lag(ts) OVER (PARTITION BY meter_id ORDER BY ts) prev_ts FROM ${readingsTable}` +
      ` WHERE ts >= ${ts(query.fromMs)} AND ts < ${ts(query.toMs)}${meterFilter(query.meterIds)})` +
      ` SAMPLE BY ${SAMPLE_BY[query.bucket]} ALIGN TO CALENDAR TIME ZONE ${timeZone(query.timeZone)}`
    );
  }

  /**
   * The same answer from the day roll-up: each local day's segment was reduced
   * once (with its decreases and rates counted inside the day); the comparison of
   * a day's first reading with the previous day's last is added here with a
   * `lag` over the day segments, and months are SAMPLE BY over days. Only the
   * first day of the range has no previous day, as in the direct query.
   */
  function rollupSegmentsSql(query: SegmentQuery): string {
    const crossRate = '(first_value - prev_last) / ((first_ts - prev_last_ts) / 3600000000.0)';
    const days =
      `SELECT ts, meter_id, first_ts, first_value, last_ts, last_value, n,` +
      ` decreases + CASE WHEN first_value < prev_last THEN 1 ELSE 0 END decreases,` +
      ` CASE WHEN prev_last_ts IS NULL THEN max_rate WHEN max_rate IS NULL OR ${crossRate} > max_rate THEN ${crossRate} ELSE max_rate END max_rate` +
      ` FROM (SELECT ts, meter_id, first_ts, first_value, last_ts, last_value, n, decreases, max_rate,` +
      ` lag(last_value) OVER (PARTITION BY meter_id ORDER BY ts) prev_last, lag(last_ts) OVER (PARTITION BY meter_id ORDER BY ts) prev_last_ts` +
      ` FROM ${segmentsTable} WHERE tz = ${timeZone(query.timeZone)} AND ts >= ${ts(query.fromMs)} AND ts < ${ts(query.toMs)}${meterFilter(query.meterIds)})`;
    if (query.bucket === 'day') return days;
    return (
      `SELECT ts, meter_id, first(first_ts), first(first_value), last(last_ts), last(last_value), sum(n), sum(decreases), max(max_rate)` +
      ` FROM (${days}) SAMPLE BY 1M ALIGN TO CALENDAR TIME ZONE ${timeZone(query.timeZone)}`
    );
  }

  async function registerSegments(query: SegmentQuery): Promise<RegisterSegment[]> {
    if (query.meterIds.length === 0 || query.fromMs >= query.toMs) return [];
    const days = query.bucket === 'hour' ? undefined : localDays(query.fromMs, query.toMs, query.timeZone);
    let sql: string;
    if (days === undefined) {
      sql = directSegmentsSql(query);
    } else {
      await refreshDays(days, query.timeZone);
      sql = rollupSegmentsSql(query);
    }
    const result = await exec(sql);
    const wanted = new Set(query.meterIds);
    const segments: RegisterSegment[] = [];
    for (const row of result.dataset) {
      const meterId = String(row[1]);
      if (!wanted.has(meterId)) continue;
      segments.push({
        meterId,
        bucketStartMs: parseTimestamp(row[0]),
        firstTsMs: parseTimestamp(row[2]),
        firstValue: Number(row[3]),
        lastTsMs: parseTimestamp(row[4]),
        lastValue: Number(row[5]),
        readings: Number(row[6]),
        decreases: Number(row[7] ?? 0),
        maxRatePerHour: row[8] === null || row[8] === undefined ? null : Number(row[8]),
      });
    }
    return segments.sort((a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : a.bucketStartMs - b.bucketStartMs));
  }

  /**
   * Brings the day roll-up up to date for these local days. A day's fingerprint
   * (row count, latest arrival, Σ value over all meters: cheap vectorised
   * aggregates over one day) is compared with the one recorded when its
   * segments were computed; a day whose fingerprint changed (late data, a
   * rewrite) or was never computed is reduced again from the readings. The state
   * row is written only after the segments are applied, so a crash in between
   * means one more recomputation, never a stale answer. One refresh at a time.
   */
  function refreshDays(days: readonly LocalDay[], zone: string): Promise<void> {
    const result = refreshTail.then(() => doRefreshDays(days, zone));
    refreshTail = result.catch(() => undefined);
    return result;
  }

  /**
   * Per local day: [count, max(received_at), Σ value]. Up to two months, one
   * vectorised query per day (8 at a time: ~60 ms for a month of 28.8 M rows on
   * 2 cores); beyond, one SAMPLE BY over the range (~0.4 s per 30 M rows), which
   * beats hundreds of requests.
   */
  async function dayFingerprints(days: readonly LocalDay[], zone: string): Promise<Map<number, readonly unknown[]>> {
    const fingerprints = new Map<number, readonly unknown[]>();
    const first = days[0];
    const last = days.at(-1);
    if (first === undefined || last === undefined) return fingerprints;
    if (days.length > PER_DAY_FINGERPRINT_MAX_DAYS) {
      const result = await exec(
        `SELECT ts, count(), max(received_at), sum(value) FROM ${readingsTable} WHERE ts >= ${ts(first.startMs)} AND ts < ${ts(last.endMs)}` +
          ` SAMPLE BY 1d ALIGN TO CALENDAR TIME ZONE ${timeZone(zone)}`,
      );
      for (const row of result.dataset) fingerprints.set(parseTimestamp(row[0]), row.slice(1));
      return fingerprints;
    }
    let next = 0;
    const worker = async () => {
      while (next < days.length) {
        const day = days[next++] as LocalDay;
        const result = await exec(`SELECT count(), max(received_at), sum(value) FROM ${readingsTable} WHERE ts >= ${ts(day.startMs)} AND ts < ${ts(day.endMs)}`);
        fingerprints.set(day.startMs, result.dataset[0] ?? [0, null, 0]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, days.length) }, worker));
    return fingerprints;
  }

  /** The readings table's applied and sequenced txn, as one key; undefined if not known. */
  async function readingsTxn(): Promise<string | undefined> {
    const result = await exec(`SELECT writerTxn, sequencerTxn FROM wal_tables() WHERE name = ${str(readingsTable)}`);
    const row = result.dataset[0];
    return row === undefined || row[0] === null || row[0] === undefined ? undefined : `${String(row[0])}/${String(row[1])}`;
  }

  function recordVerified(txn: string | undefined, days: readonly LocalDay[], zone: string): void {
    if (txn === undefined) return;
    if (verified?.txn !== txn) verified = { txn, days: new Map() };
    let set = verified.days.get(zone);
    if (set === undefined) verified.days.set(zone, (set = new Set()));
    for (const day of days) set.add(day.startMs);
  }

  async function doRefreshDays(days: readonly LocalDay[], zone: string): Promise<void> {
    const first = days[0];
    const last = days.at(-1);
    if (first === undefined || last === undefined) return;
    const txn = await readingsTxn();
    const known = verified !== undefined && verified.txn === txn ? verified.days.get(zone) : undefined;
    if (known !== undefined && days.every((day) => known.has(day.startMs))) return;
    await refreshStaleDays(days, zone);
    recordVerified(txn, days, zone);
  }

  async function refreshStaleDays(days: readonly LocalDay[], zone: string): Promise<void> {
    const first = days[0];
    const last = days.at(-1);
    if (first === undefined || last === undefined) return;
    const [fingerprints, state] = await Promise.all([
      dayFingerprints(days, zone),
      exec(`SELECT ts, n, max_received, sum_value FROM ${segmentStateTable} WHERE tz = ${timeZone(zone)} AND ts >= ${ts(first.startMs)} AND ts < ${ts(last.endMs)}`),
    ]);
    const recorded = new Map(state.dataset.map((row) => [parseTimestamp(row[0]), { n: Number(row[1]), maxReceived: row[2] === null ? null : String(row[2]), sum: Number(row[3]) }]));
    const stale: { day: LocalDay; n: number; maxReceived: unknown; sum: number }[] = [];
    days.forEach((day) => {
      const row = fingerprints.get(day.startMs) ?? [0, null, 0];
      const n = Number(row[0] ?? 0);
      if (n === 0) return;
      const sum = Number(row[2] ?? 0);
      const before = recorded.get(day.startMs);
      const same = before !== undefined && before.n === n && before.maxReceived === String(row[1]) && Math.abs(before.sum - sum) <= 1e-12 * Math.max(1, Math.abs(sum));
      if (!same) stale.push({ day, n, maxReceived: row[1], sum });
    });
    if (stale.length === 0) return;
    for (const { day } of stale) {
      await exec(
        `INSERT INTO ${segmentsTable} SELECT ts, meter_id, ${timeZone(zone)}, first(ts), first(value), last(ts), last(value), count(),` +
          ` sum(CASE WHEN value < prev_value THEN 1 ELSE 0 END), max((value - prev_value) / ((ts - prev_ts) / 3600000000.0))` +
          ` FROM (SELECT meter_id, ts, value, lag(value) OVER (PARTITION BY meter_id ORDER BY ts) prev_value,` +
          ` lag(ts) OVER (PARTITION BY meter_id ORDER BY ts) prev_ts FROM ${readingsTable} WHERE ts >= ${ts(day.startMs)} AND ts < ${ts(day.endMs)})` +
          ` SAMPLE BY 1d ALIGN TO CALENDAR TIME ZONE ${timeZone(zone)}`,
      );
    }
    await waitForWal([segmentsTable]);
    const values = stale.map(({ day, n, maxReceived, sum }) => {
      const received = typeof maxReceived === 'string' ? ts(parseTimestamp(maxReceived)) : 'null';
      return `(${ts(day.startMs)}, ${timeZone(zone)}, ${n}, ${received}, ${Number.isFinite(sum) ? sum : 'null'}, now())`;
    });
    // In chunks: the SQL travels in the URL, whose length QuestDB bounds (a year's 365 rows did not fit).
    for (let i = 0; i < values.length; i += STATE_ROWS_PER_INSERT) {
      await exec(`INSERT INTO ${segmentStateTable} (ts, tz, n, max_received, sum_value, computed_at) VALUES ${values.slice(i, i + STATE_ROWS_PER_INSERT).join(', ')}`);
    }
    await waitForWal([segmentStateTable]);
  }

  function toReading(row: readonly unknown[]): Reading {
    return {
      meterId: String(row[0]),
      tsMs: parseTimestamp(row[1]),
      value: Number(row[2]),
      seq: row[3] === null ? null : Number(row[3]),
      receivedAtMs: parseTimestamp(row[4]),
      quality: String(row[5]) as Reading['quality'],
    };
  }

  /**
   * The last reading before a time per meter is LATEST ON (QuestDB walks back
   * from the end of the range); the first at or after a time is first() over an
   * ascending scan. Each looks in one day first and over the whole window only
   * for the meters not found, so a month-long window costs a day's scan.
   */
  async function edgeReadings(query: EdgeQuery): Promise<EdgeReadings> {
    const before = new Map<string, Reading>();
    const after = new Map<string, Reading>();
    if (query.meterIds.length === 0) return { before, after };
    const wanted = new Set(query.meterIds);
    const collect = (target: Map<string, Reading>, rows: readonly (readonly unknown[])[]) => {
      for (const row of rows) if (wanted.has(String(row[0])) && !target.has(String(row[0]))) target.set(String(row[0]), toReading(row));
    };
    const missing = (found: Map<string, Reading>) => query.meterIds.filter((id) => !found.has(id));
    const beforeSql = (fromMs: number, ids: readonly string[]) =>
      `SELECT meter_id, ts, value, seq, received_at, quality FROM ${readingsTable}` +
      ` WHERE ts >= ${ts(fromMs)} AND ts < ${ts(query.beforeMs)}${meterFilter(ids)} LATEST ON ts PARTITION BY meter_id`;
    const afterSql = (toMs: number, ids: readonly string[]) =>
      `SELECT meter_id, first(ts), first(value), first(seq), first(received_at), first(quality) FROM ${readingsTable}` +
      ` WHERE ts >= ${ts(query.afterMs)} AND ts < ${ts(toMs)}${meterFilter(ids)}`;
    const shortWindow = Math.min(query.windowMs, EDGE_FIRST_WINDOW_MS);
    const [b1, a1] = await Promise.all([
      exec(beforeSql(query.beforeMs - shortWindow, query.meterIds)),
      exec(afterSql(query.afterMs + shortWindow, query.meterIds)),
    ]);
    collect(before, b1.dataset);
    collect(after, a1.dataset);
    if (shortWindow < query.windowMs) {
      const missingBefore = missing(before);
      const missingAfter = missing(after);
      const [b2, a2] = await Promise.all([
        missingBefore.length === 0 ? undefined : exec(beforeSql(query.beforeMs - query.windowMs, missingBefore)),
        missingAfter.length === 0 ? undefined : exec(afterSql(query.afterMs + query.windowMs, missingAfter)),
      ]);
      if (b2) collect(before, b2.dataset);
      if (a2) collect(after, a2.dataset);
    }
    return { before, after };
  }

  /**
   * ILP/HTTP confirms once rows are in the WAL; the apply job makes them visible
   * later. Waits until each table's writer has caught up with the sequencer txn seen
   * at the start. A suspended table never catches up, so it is reported at once.
   */
  async function waitForWal(tables: readonly string[]): Promise<void> {
    const deadline = Date.now() + syncTimeoutMs;
    let targets: Map<string, number> | undefined;
    for (;;) {
      const result = await exec(
        `SELECT name, suspended, writerTxn, sequencerTxn, errorTag, errorMessage FROM wal_tables()` +
          ` WHERE name IN (${tables.map(str).join(', ')})`,
      );
      for (const row of result.dataset) {
        if (row[1] === true) {
          throw new AppError('STORE_QUERY_FAILED', `QuestDB table ${String(row[0])} is suspended (WAL apply failed: ${String(row[4])} ${String(row[5])}); run ALTER TABLE ... RESUME WAL after fixing the cause`, {
            details: { table: row[0], errorTag: row[4], errorMessage: row[5] },
          });
        }
      }
      targets ??= new Map(result.dataset.map((row) => [String(row[0]), Number(row[3])]));
      const caughtUp = result.dataset.every((row) => Number(row[2]) >= (targets?.get(String(row[0])) ?? 0));
      if (caughtUp) return;
      if (Date.now() > deadline) {
        throw new AppError('STORE_UNAVAILABLE', `QuestDB did not apply its WAL within ${syncTimeoutMs} ms`, { retryable: true });
      }
      await new Promise((resolve) => setTimeout(resolve, SYNC_POLL_MS));
    }
  }

  const sync = () => waitForWal([readingsTable, quarantineTable]);

  return {
    async init() {
      await exec(
        `CREATE TABLE IF NOT EXISTS ${readingsTable} (meter_id SYMBOL CAPACITY 16384 CACHE, ts TIMESTAMP, value DOUBLE, seq LONG,` +
          ` received_at TIMESTAMP, quality SYMBOL) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, meter_id)`,
      );
      // id and meter_id are VARCHAR, not SYMBOL: they are unbounded (a quarantined
      // meter id may be garbage), and every distinct symbol lives in memory forever.
      await exec(
        `CREATE TABLE IF NOT EXISTS ${quarantineTable} (id VARCHAR, received_at TIMESTAMP, topic VARCHAR, meter_id VARCHAR,` +
          ` reason SYMBOL, detail VARCHAR, payload VARCHAR) TIMESTAMP(received_at) PARTITION BY DAY WAL DEDUP UPSERT KEYS(received_at, id)`,
      );
      // The day roll-up of register segments (see refreshDays), one row per (local day, meter, zone).
      await exec(
        `CREATE TABLE IF NOT EXISTS ${segmentsTable} (ts TIMESTAMP, meter_id SYMBOL CAPACITY 16384 CACHE, tz SYMBOL, first_ts TIMESTAMP,` +
          ` first_value DOUBLE, last_ts TIMESTAMP, last_value DOUBLE, n LONG, decreases LONG, max_rate DOUBLE)` +
          ` TIMESTAMP(ts) PARTITION BY MONTH WAL DEDUP UPSERT KEYS(ts, meter_id, tz)`,
      );
      await exec(
        `CREATE TABLE IF NOT EXISTS ${segmentStateTable} (ts TIMESTAMP, tz SYMBOL, n LONG, max_received TIMESTAMP, sum_value DOUBLE, computed_at TIMESTAMP)` +
          ` TIMESTAMP(ts) PARTITION BY YEAR WAL DEDUP UPSERT KEYS(ts, tz)`,
      );
    },
    write(readings, quarantined) {
      if (readings.length === 0 && quarantined.length === 0) return Promise.resolve();
      const result = writeTail.then(() => doWrite(readings, quarantined));
      writeTail = result.catch(() => undefined);
      return result;
    },
    readings: readingsPage,
    quarantine: quarantinePage,
    meterSummaries,
    registerSegments,
    edgeReadings,
    async counts() {
      const [r, q] = await Promise.all([exec(`SELECT count() FROM ${readingsTable}`), exec(`SELECT count() FROM ${quarantineTable}`)]);
      return { readings: Number(r.dataset[0]?.[0] ?? 0), quarantined: Number(q.dataset[0]?.[0] ?? 0) };
    },
    sync,
    async ping() {
      await exec('SELECT 1');
    },
    async close() {
      await writeTail;
      await sender?.close();
      sender = undefined;
    },
  };
}

/** Epoch ms to the microseconds QuestDB stores, in bigint so nothing rounds. */
function msToMicros(ms: number): bigint {
  if (!Number.isSafeInteger(ms)) throw new Error(`timestamp must be integer epoch ms, got ${ms}`);
  return BigInt(ms) * 1000n;
}

/** A timestamp literal as integer microseconds; QuestDB still uses it for interval scans. */
function ts(ms: number): string {
  return `${msToMicros(ms)}::timestamp`;
}

function str(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** An IANA zone name as a SQL literal; anything else is refused before it reaches SQL. */
function timeZone(value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(value)) throw new AppError('STORE_QUERY_FAILED', `not a time zone name: ${value}`);
  return str(value);
}

function limit(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`limit must be a non-negative integer, got ${value}`);
  return value;
}

/** `/exec` renders TIMESTAMP as ISO-8601 with microseconds and Z; we stored whole ms. */
function parseTimestamp(value: unknown): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new AppError('STORE_QUERY_FAILED', `QuestDB returned an unreadable timestamp: ${String(value)}`);
  return ms;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON from the server, checked field by field
function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
    return new AppError('STORE_QUERY_FAILED', `QuestDB rejected the batch (malformed row or schema mismatch): ${message}`, {
      cause,
      details: { status: Number(status) },
    });
  }
  const suspended = /suspend/i.test(message) ? ' (a table is suspended)' : '';
  return new AppError('STORE_UNAVAILABLE', `QuestDB did not confirm the batch${suspended}: ${message}`, { retryable: true, cause });
}
