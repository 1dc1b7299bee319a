import { z } from 'zod';
import { AppError, parseIsoInstant, type ErrorCode } from '../kernel/index.js';

/**
 * Building blocks of the querystring schemas. A parameter name means the same on
 * every route, so the error code of a parameter that fails its schema follows
 * from its name (PARAM_ERROR_CODES; BAD_REQUEST otherwise); a check that knows
 * better names its code in the issue (`params.code`), which the error mapper
 * (error-mapper.ts) prefers.
 */
export const PARAM_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  from: 'BAD_TIME_RANGE',
  to: 'BAD_TIME_RANGE',
  period: 'BAD_PERIOD',
  bucket: 'BAD_BUCKET',
  format: 'BAD_FORMAT',
  limit: 'BAD_LIMIT',
  cursor: 'BAD_CURSOR',
  reason: 'BAD_REASON',
};

/**
 * One query parameter: given once (a repeated parameter arrives as an array and is
 * BAD_REQUEST whatever its name), and an empty value counts as absent, so
 * `?from=` takes the default as it always has.
 */
export function queryParam<T extends z.ZodType>(schema: T) {
  return z.preprocess((value, ctx) => {
    if (Array.isArray(value)) {
      const message = 'the parameter is given more than once';
      ctx.addIssue({ code: 'custom', message, params: { code: 'BAD_REQUEST' } });
      return z.NEVER;
    }
    return value === '' ? undefined : value;
  }, schema);
}

/** A required text parameter (an id). */
export function requiredText(name: string, description: string) {
  return queryParam(z.string({ error: `parameter ${name} is required` }).describe(description));
}

/** An optional instant (a bound, or `at`): ISO-8601 with an offset, parsed strictly (kernel/time.ts), as epoch ms. */
export function instantParam(name: 'from' | 'to' | 'at', description: string) {
  const text = z
    .string()
    .describe(`${description}; ISO-8601 with an offset, e.g. 2026-10-01T00:00:00+08:00`)
    .meta({ examples: ['2026-10-01T00:00:00+08:00'] });
  const instant = text.transform((value, ctx) => {
    const ms = parseIsoInstant(value);
    if (ms !== undefined) return ms;
    ctx.addIssue({
      code: 'custom',
      message: `${name}=${value} is not a valid ISO-8601 instant with an offset (e.g. 2026-10-01T00:00:00+08:00)`,
      params: { code: 'BAD_TIME_RANGE' },
    });
    return z.NEVER;
  });
  return queryParam(instant.optional());
}

/** An optional page size, a whole number from 1 to `max`. */
export function limitParam(defaultLimit: number, max: number) {
  const message = `limit must be a whole number from 1 to ${max}`;
  const digits = z
    .string()
    .regex(/^\d+$/, { error: message })
    .describe(`page size, 1 to ${max}; ${defaultLimit} if absent`);
  const limit = digits.transform((text, ctx) => {
    const value = Number(text);
    if (value >= 1 && value <= max) return value;
    ctx.addIssue({ code: 'custom', message, params: { code: 'BAD_LIMIT' } });
    return z.NEVER;
  });
  return queryParam(limit.optional());
}

/**
 * A paging cursor: opaque to clients (base64url of a JSON array this service
 * wrote), decoded and checked by `decode`, which returns undefined for anything
 * this service would not have issued.
 */
export function cursorParam<T>(decode: (parts: readonly unknown[]) => T | undefined) {
  const cursor = z
    .string()
    .describe('nextCursor of the previous page')
    .transform((text, ctx) => {
      const parts = decodeCursor(text);
      const value = parts === undefined ? undefined : decode(parts);
      if (value !== undefined) return value;
      const message = 'cursor is not one this service issued';
      ctx.addIssue({ code: 'custom', message, params: { code: 'BAD_CURSOR' } });
      return z.NEVER;
    });
  return queryParam(cursor.optional());
}

export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decodeCursor(text: string): unknown[] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * [from, to) from the parsed bounds, with defaults for a missing one: a missing
 * `from` never lands after the given `to`. Both bounds given the wrong way round
 * is BAD_TIME_RANGE.
 */
export function timeRange(
  bounds: { readonly from?: number | undefined; readonly to?: number | undefined },
  defaults: { readonly fromMs: number; readonly toMs: number },
): { fromMs: number; toMs: number } {
  const toMs = bounds.to ?? defaults.toMs;
  const fromMs = bounds.from ?? Math.min(defaults.fromMs, toMs - 1);
  if (fromMs >= toMs) throw new AppError('BAD_TIME_RANGE', 'from must be before to');
  return { fromMs, toMs };
}

export const isoInstant = (ms: number): string => new Date(ms).toISOString();
