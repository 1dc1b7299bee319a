import { AppError } from '../../kernel/index.js';

/**
 * SQL literals for QuestDB's `/exec`, which takes the statement as text (no bound
 * parameters). Every value that reaches SQL goes through one of these.
 */

/**
 * Above this many values an IN list is left out (see inListFilter): `/exec` takes
 * SQL in the URL, and an IN list of a region's 10 000 ids would not fit in
 * QuestDB's request header buffer.
 */
export const MAX_IN_LIST_VALUES = 500;
/** QuestDB refuses a URL query string much over ~32 KiB ("URL query string is too long"). */
export const MAX_IN_LIST_CHARS = 12_000;

/** Epoch ms to the microseconds QuestDB stores, in bigint so nothing rounds. */
export function msToMicros(ms: number): bigint {
  if (!Number.isSafeInteger(ms)) throw new Error(`timestamp must be integer epoch ms, got ${ms}`);
  return BigInt(ms) * 1000n;
}

/** A timestamp literal as integer microseconds; QuestDB still uses it for interval scans. */
export function ts(ms: number): string {
  return `${msToMicros(ms)}::timestamp`;
}

export function str(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** An IANA zone name as a SQL literal; anything else is refused before it reaches SQL. */
export function timeZone(value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(value)) {
    throw new AppError('STORE_QUERY_FAILED', `not a time zone name: ${value}`);
  }
  return str(value);
}

export function limit(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`limit must be a non-negative integer, got ${value}`);
  }
  return value;
}

/**
 * ` AND <column> IN (…)`, or '' when the list would make the URL too long: the
 * query then scans every value of the range and the caller drops the others in
 * Node, so a caller using this must filter its rows itself.
 */
export function inListFilter(column: string, values: readonly string[]): string {
  if (values.length > MAX_IN_LIST_VALUES) return '';
  const list = values.map(str).join(', ');
  return list.length <= MAX_IN_LIST_CHARS ? ` AND ${column} IN (${list})` : '';
}

/** `/exec` renders TIMESTAMP as ISO-8601 with microseconds and Z; we stored whole ms. */
export function parseTimestamp(value: unknown): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new AppError('STORE_QUERY_FAILED', `QuestDB returned an unreadable timestamp: ${String(value)}`);
  }
  return ms;
}
