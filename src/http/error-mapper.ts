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

/** The error answers a route can give, for its response schema (all share one body; 500 is always possible). */
export function errorResponses<S extends 400 | 404 | 422 | 503>(...statuses: S[]): Record<S | 500, ErrorBodySchema> {
  return Object.fromEntries([...statuses, 500].map((s) => [s, errorBodySchema])) as Record<S | 500, ErrorBodySchema>;
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
    const details = error.details !== undefined && status < 500 ? { details: error.details } : {};
    const body: ErrorBody = { code: error.code, message: error.message, ...details };
    return reply.status(status).send(body);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const problems = error.validation.map(problemOf);
    const [first] = problems;
    if (first !== undefined) {
      const message =
        problems.length === 1 ? first.message : problems.map((p) => `${p.param}: ${p.message}`).join('; ');
      return reply.status(400).send({ code: first.code, message, problems } satisfies ErrorBody);
    }
  }
  const fastifyError = error as FastifyError;
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const body: ErrorBody = { code: 'BAD_REQUEST', message: fastifyError.message };
    return reply.status(fastifyError.statusCode).send(body);
  }
  request.log.error({ err: error }, 'unexpected error');
  const body: ErrorBody = { code: 'INTERNAL', message: 'internal error; see the service log' };
  return reply.status(500).send(body);
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
