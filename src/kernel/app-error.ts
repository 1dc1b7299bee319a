import type { ErrorCode } from './error-codes.js';

/**
 * An operational failure (a store down, a broker unreachable, a bad config):
 * something the caller may retry or report, as opposed to a bug (which throws a
 * plain Error) or an expected outcome (which is a value, e.g. a Rejection).
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; details?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
