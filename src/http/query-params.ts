import { AppError, parseIsoInstant } from '../kernel/index.js';

/** Query strings arrive as strings (or arrays when repeated); these helpers parse them strictly. */
export type Query = Record<string, string | string[] | undefined>;

export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new AppError('BAD_REQUEST', `parameter ${name} is given more than once`);
  return value === '' ? undefined : value;
}

export function required(query: Query, name: string): string {
  const value = single(query, name);
  if (value === undefined) throw new AppError('BAD_REQUEST', `parameter ${name} is required`);
  return value;
}

/** [from, to) from ISO-8601 instants with offset; defaults apply when a bound is missing. */
export function timeRange(query: Query, defaults: { fromMs: number; toMs: number }): { fromMs: number; toMs: number } {
  const parse = (name: 'from' | 'to', fallback: number) => {
    const text = single(query, name);
    if (text === undefined) return fallback;
    const ms = parseIsoInstant(text);
    if (ms === undefined) throw new AppError('BAD_TIME_RANGE', `${name}=${text} is not an ISO-8601 instant with an offset (e.g. 2026-10-01T00:00:00+08:00)`);
    return ms;
  };
  const toMs = parse('to', defaults.toMs);
  const fromMs = parse('from', Math.min(defaults.fromMs, toMs - 1));
  if (fromMs >= toMs) throw new AppError('BAD_TIME_RANGE', 'from must be before to');
  return { fromMs, toMs };
}

export function limit(query: Query, defaultLimit: number, maxLimit: number): number {
  const text = single(query, 'limit');
  if (text === undefined) return defaultLimit;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > maxLimit) {
    throw new AppError('BAD_LIMIT', `limit must be a whole number from 1 to ${maxLimit}`);
  }
  return Number(text);
}

export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(text: string | undefined): unknown[] | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value)) return value;
  } catch {
    // fall through to the error below
  }
  throw new AppError('BAD_CURSOR', 'cursor is not one this service issued');
}
