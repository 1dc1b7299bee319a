import { createHash, timingSafeEqual } from 'node:crypto';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import {
  covers,
  decideAccess,
  FLEET_ROOT,
  type AccessDecision,
  type AuditEntry,
  type PolicyTarget,
} from '../../access/index.js';
import { AppError, isAppError } from '../kernel/index.js';
import type { AccessHttpDeps } from './http-deps.js';
import type { AccessTarget, RouteAccess } from './route-access.js';

/** The Swagger UI's own routes (its page, assets and the OpenAPI document) are public by this prefix. */
export const DOCS_PREFIX = '/docs';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Deny by default (docs/access.md). Installed on the root instance before any
 * plugin, so its hooks see every route:
 *
 * - onRoute: a route that declares no `config.access` is refused at registration
 *   (the server does not start), except the Swagger UI's under /docs.
 * - onRequest (before parsing and validation, so an anonymous caller learns
 *   nothing about a route's parameters): authenticate, then count the request
 *   against the caller's rate limit (a failed authentication counts against the
 *   client address, so token guessing is limited too), then refuse with 401.
 * - preHandler (after validation): the permission, then the target resolved to a
 *   node of the org tree (a meter to its institution) → 403 FORBIDDEN / OUT_OF_SCOPE.
 * - onResponse: the audit log: every mutating request (its action, target, the
 *   outcome), every refused one (http.denied).
 *
 * Also the guard rails: helmet's headers, the rate limit (429 RATE_LIMITED with
 * Retry-After); the body limit is the server's (413 PAYLOAD_TOO_LARGE, server.ts).
 */
export function installAuth(app: FastifyInstance, deps: AccessHttpDeps): void {
  const { tree } = deps;

  app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      // The API answers JSON and CSV; the Swagger UI sets its own policy on its pages (server.ts, staticCSP).
      directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] },
    },
  });
  app.register(fastifyRateLimit, {
    global: false,
    max: deps.settings.rateLimit.max,
    timeWindow: deps.settings.rateLimit.windowMs,
    keyGenerator: (request) => (request.principal ? `p:${request.principal.subject}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `more than ${context.max} requests in the window; retry after ${context.after}`, {
        details: { max: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) },
      }),
  });
  // Built at the first request: the rate-limit plugin's decorator exists once the server has booted.
  let limit: ReturnType<FastifyInstance['rateLimit']> | undefined;

  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.access !== undefined) return;
    if (route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`)) {
      route.config = { ...route.config, access: { public: true } };
      return;
    }
    throw new Error(`route ${String(route.method)} ${route.url} declares no config.access (src/http/route-access.ts)`);
  });

  app.addHook('onRequest', async (request, reply) => {
    const access = accessOf(request);
    // An unmatched URL (404) has no route config: nothing to guard, and nothing to learn.
    if (access === undefined || 'public' in access) return;
    let failure: unknown;
    if ('secretBearer' in access) {
      if (!bearerIs(request.headers.authorization, access.secretBearer)) {
        failure = new AppError('UNAUTHENTICATED', 'not authenticated: this route needs its own bearer token', {
          details: { reason: 'secret_bearer' },
        });
      }
    } else {
      try {
        request.principal = await deps.authenticate(request.headers.authorization);
        const { scopeOrgId } = request.principal;
        request.covers = (orgId) => covers(scopeOrgId, { orgId }, tree);
      } catch (error) {
        if (!isAppError(error) || error.code !== 'UNAUTHENTICATED') throw error;
        failure = error;
      }
    }
    limit ??= app.rateLimit();
    await limit.call(app, request, reply);
    if (failure !== undefined) throw failure;
  });

  app.addHook('preHandler', async (request) => {
    const access = accessOf(request);
    if (access === undefined || !('permission' in access)) return;
    const principal = request.principal;
    if (principal === undefined) throw new Error('the auth plugin authenticates before any preHandler');
    // The permission first, checked against the caller's own node (which its grant always covers): a role that
    // may not use the route learns FORBIDDEN before anything about the target (an unknown alert's 404).
    refuse(decideAccess(principal, access.permission, { orgId: principal.scopeOrgId }, tree), access.permission);
    // A scoped list needs no more: its handler shows what request.covers allows.
    if (access.filtersToScope) {
      request.accessTarget = principal.scopeOrgId;
      return;
    }
    const target = resolveTarget(access.target === undefined ? undefined : await access.target(request));
    request.accessTarget = 'orgId' in target ? target.orgId : 'fleet';
    refuse(decideAccess(principal, access.permission, target, tree), access.permission);
  });

  app.addHook('onResponse', async (request, reply) => {
    const access = accessOf(request);
    if (access === undefined || 'public' in access) return;
    const status = reply.statusCode;
    const denied = status === 401 || status === 403;
    const mutating = MUTATING.has(request.method) && 'permission' in access && access.audit !== false;
    if (!denied && !mutating) return;
    const principal = request.principal;
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const entry: AuditEntry = {
      atMs: deps.nowMs(),
      actor: principal?.subject ?? 'anonymous',
      ...(principal ? { role: principal.role } : {}),
      action: denied ? 'http.denied' : auditAction(access, route),
      target: denied ? route : (request.auditTarget ?? request.accessTarget ?? route),
      outcome: status < 400 ? 'ok' : (request.errorCode ?? String(status)),
      detail: {
        ...request.auditDetail,
        ...(denied ? { url: request.url.split('?')[0], ip: request.ip } : { route }),
        ...(principal?.tokenId ? { tokenId: principal.tokenId } : {}),
      },
    };
    await deps.recordAudit([entry]).catch((error: unknown) => {
      request.log.error({ err: error, action: entry.action }, 'could not write the audit entry');
    });
  });

  /** A meter's target is its institution; an unknown meter lies outside every subtree but the root's. */
  function resolveTarget(target: AccessTarget | undefined): PolicyTarget {
    if (target === undefined) return { fleet: true };
    if ('orgId' in target) return { orgId: target.orgId };
    return { orgId: tree.institutionOfMeter(target.meterId) ?? `meter:${target.meterId}` };
  }
}

function refuse(decision: AccessDecision, permission: string): void {
  if (!decision.allow) throw new AppError(decision.code, decision.reason, { details: { permission } });
}

function accessOf(request: FastifyRequest): RouteAccess | undefined {
  return request.routeOptions.config?.access;
}

function auditAction(access: RouteAccess, route: string): string {
  return 'permission' in access && typeof access.audit === 'string' ? access.audit : route;
}

/** Compares `Bearer <secret>` with the configured secret in constant time (over their hashes: equal lengths). */
function bearerIs(authorization: string | undefined, secret: string): boolean {
  const presented = /^Bearer +(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
  if (presented === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(secret));
}

/**
 * The caller's own subtree as a list filter: undefined for a grant at the fleet
 * root (no filter), else the grant's org. For routes whose org filter is optional.
 */
export function callerScope(request: FastifyRequest): string | undefined {
  const scope = request.principal?.scopeOrgId;
  return scope === undefined || scope === FLEET_ROOT ? undefined : scope;
}
