import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ERROR_CODES, isAppError, type ErrorCode } from '../kernel/index.js';
import { PARAM_ERROR_CODES } from './query-schemas.js';

/** One wrong request parameter. */
export interface Problem {
  readonly param: string;
  readonly code: ErrorCode;
  readonly message: string;
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
  /** Every wrong parameter when the request failed its schema; `code` is the first one's. */
  readonly problems?: readonly Problem[];
}

const errorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

export const errorBodySchema = z
  .object({
    code: errorCodeSchema.describe('stable error code (src/kernel/error-codes.ts)'),
    message: z.string().describe('for people; may change'),
    details: z.unknown().optional(),
    problems: z
      .array(z.object({ param: z.string(), code: errorCodeSchema, message: z.string() }))
      .optional()
      .describe('every wrong parameter, in the order of the route schema'),
  })
  .meta({ id: 'Error' });
type ErrorBodySchema = typeof errorBodySchema;

/** The answers of access control and the guard rails, which every non-public route can give (docs/access.md). */
const GUARD_STATUSES = [401, 403, 429] as const;
type GuardStatus = (typeof GUARD_STATUSES)[number];

/**
 * The error answers a route can give, for its response schema (all share one body; 500 is always possible, and so
 * are 401, 403 and 429 on a route that is not public).
 */
export function errorResponses<S extends 400 | 404 | 409 | 413 | 422 | 503>(
  ...statuses: S[]
): Record<S | GuardStatus | 500, ErrorBodySchema> {
  return Object.fromEntries([...statuses, ...GUARD_STATUSES, 500].map((s) => [s, errorBodySchema])) as Record<
    S | GuardStatus | 500,
    ErrorBodySchema
  >;
}

/**
 * The single place where errors become HTTP answers: an AppError's code decides
 * the status (from the catalogue); a request that fails its route's schema is a
 * 400 listing every wrong parameter; fastify's own parse errors are 400s;
 * anything else is a bug, logged, and answered as 500 INTERNAL.
 */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isAppError(error)) {
    const status = ERROR_CODES[error.code].httpStatus;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    if (error.code === 'UNAUTHENTICATED') reply.header('www-authenticate', bearerChallenge(error.details));
    const details = error.details !== undefined && status < 500 ? { details: error.details } : {};
    const body: ErrorBody = { code: error.code, message: error.message, ...details };
    return send(request, reply, status, body);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const problems = error.validation.map(problemOf);
    const [first] = problems;
    if (first !== undefined) {
      const message =
        problems.length === 1 ? first.message : problems.map((p) => `${p.param}: ${p.message}`).join('; ');
      return send(request, reply, 400, { code: first.code, message, problems });
    }
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return send(request, reply, 413, { code: 'PAYLOAD_TOO_LARGE', message: fastifyError.message });
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return send(request, reply, fastifyError.statusCode, { code: 'BAD_REQUEST', message: fastifyError.message });
  }
  request.log.error({ err: error }, 'unexpected error');
  return send(request, reply, 500, { code: 'INTERNAL', message: 'internal error; see the service log' });
}

/** Every error answer leaves here; the code is kept on the request for its audit entry (auth-plugin.ts). */
function send(request: FastifyRequest, reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  request.errorCode = body.code;
  return reply.status(status).send(body);
}

/** RFC 6750 §3: a request without a token gets the bare challenge; a bad token also error="invalid_token". */
function bearerChallenge(details: unknown): string {
  const reason = (details as { reason?: unknown } | undefined)?.reason;
  return reason === 'missing' ? 'Bearer realm="tanhe"' : 'Bearer realm="tanhe", error="invalid_token"';
}

/** A schema issue as a problem: the code named by the check, else the parameter's code, else BAD_REQUEST. */
function problemOf(issue: { instancePath: string; message?: string; params: Record<string, unknown> }): Problem {
  const param = issue.instancePath.split('/')[1] ?? '';
  const named = (issue.params.params as { code?: unknown } | undefined)?.code;
  const code =
    typeof named === 'string' && named in ERROR_CODES
      ? (named as ErrorCode)
      : (PARAM_ERROR_CODES[param] ?? 'BAD_REQUEST');
  return { param, code, message: issue.message ?? `parameter ${param} is not valid` };
}

export function notFoundRoute(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = new AppError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
  return sendError(error, request, reply);
}
