import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CODES, isAppError } from '../kernel/index.js';

/** The JSON body of every error answer. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

/**
 * The single place where errors become HTTP answers: an AppError's code decides
 * the status (from the catalogue); fastify's own validation and parse errors are
 * 400s; anything else is a bug, logged, and answered as 500 INTERNAL.
 */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isAppError(error)) {
    const status = ERROR_CODES[error.code].httpStatus;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const body: ErrorBody = { code: error.code, message: error.message, ...(error.details !== undefined && status < 500 ? { details: error.details } : {}) };
    return reply.status(status).send(body);
  }
  const fastifyError = error as FastifyError;
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return reply.status(fastifyError.statusCode).send({ code: 'BAD_REQUEST', message: fastifyError.message } satisfies ErrorBody);
  }
  request.log.error({ err: error }, 'unexpected error');
  return reply.status(500).send({ code: 'INTERNAL', message: 'internal error; see the service log' } satisfies ErrorBody);
}

export function notFoundRoute(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(new AppError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`), request, reply);
}
