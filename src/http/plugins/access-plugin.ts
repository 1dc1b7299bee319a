import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  FLEET_ROOT,
  MAX_TOKEN_DAYS,
  PERMISSIONS,
  ROLE_PERMISSIONS,
  ROLES,
  type TokenStatus,
} from '../../../access/index.js';
import { AppError } from '../../kernel/index.js';
import { errorResponses } from '../error-mapper.js';
import type { AccessHttpDeps } from '../http-deps.js';
import { instantParam, isoInstant, limitParam, queryParam, timeRange } from '../query-schemas.js';

export type AccessPluginOptions = Pick<AccessHttpDeps, 'createToken' | 'revokeToken' | 'listTokens' | 'listAudit'>;

const tokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    scope: z.string().describe(`the org subtree of the grant; ${FLEET_ROOT} is the whole fleet`),
    createdAt: z.string(),
    createdBy: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    revokedBy: z.string().nullable(),
  })
  .meta({ id: 'Token' });

const createBody = z.object({
  name: z.string().trim().min(1).max(200).describe('a label for the holder, e.g. county-auditor'),
  role: z.enum(ROLES),
  scope: z.string().min(1).describe(`an org unit or institution id, or ${FLEET_ROOT} for the whole fleet`),
  expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(90),
});

const auditQuery = z.object({
  from: instantParam('from', 'entries at or after this instant'),
  to: instantParam('to', 'entries before this instant'),
  actor: queryParam(z.string().optional().describe("a token's name or a JWT's subject; anonymous for refusals")),
  action: queryParam(z.string().optional().describe('e.g. token.use, token.create, alert.acknowledge, http.denied')),
  limit: limitParam(100, 1000),
});

const sessionSchema = z
  .object({
    subject: z.string().describe("the token's name, or the JWT's subject"),
    role: z.enum(ROLES),
    scopeOrgId: z.string().describe(`the root of the subtree the grant covers; ${FLEET_ROOT} is the whole fleet`),
    via: z.enum(['token', 'jwt']),
    permissions: z.array(z.enum(PERMISSIONS)).describe("what the role may do (docs/access.md's table)"),
    expiresAt: z.string().nullable().describe("an API token's expiry; null for a JWT"),
  })
  .meta({ id: 'Session' });

const auditEntrySchema = z.object({
  at: z.string(),
  actor: z.string(),
  role: z.string().nullable(),
  action: z.string(),
  target: z.string(),
  outcome: z.string().describe('ok, or the error code that refused it'),
  detail: z.record(z.string(), z.unknown()),
});

/**
 * API tokens (create, list, revoke; tokens:manage) and the audit log (audit:read).
 * An administrator scoped to a subtree manages the tokens inside it only: it may
 * not mint a grant wider than its own (docs/access.md).
 */
export const accessPlugin: FastifyPluginAsyncZod<AccessPluginOptions> = async (app, options) => {
  app.post(
    '/api/v1/tokens',
    {
      config: {
        // The use case writes token.create itself (the CLI calls it too): no second entry from the HTTP layer.
        access: {
          permission: 'tokens:manage',
          audit: false,
          target: (request) => {
            const { scope } = request.body as z.output<typeof createBody>;
            return scope === FLEET_ROOT ? undefined : { orgId: scope };
          },
        },
      },
      schema: {
        tags: ['access'],
        summary: 'create an API token; its secret is in this answer only',
        body: createBody,
        response: {
          200: z.object({ token: tokenSchema, secret: z.string().describe('tnh_<id>_<secret>: shown once') }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      const { name, role, scope, expiresInDays } = request.body;
      const createdBy = request.principal?.subject ?? 'unknown';
      const created = await options.createToken({ name, role, scopeOrgId: scope, expiresInDays, createdBy });
      return { token: tokenBody(created.token), secret: created.secret };
    },
  );

  app.get(
    '/api/v1/tokens',
    {
      config: { access: { permission: 'tokens:manage', filtersToScope: true } },
      schema: {
        tags: ['access'],
        summary: 'the API tokens in the caller\u2019s subtree, without secrets',
        response: { 200: z.object({ count: z.number(), items: z.array(tokenSchema) }), ...errorResponses() },
      },
    },
    async (request) => {
      // A token at the fleet root lies in no subtree but the root's (access/core/access-policy.ts).
      const covers = request.covers ?? (() => false);
      const visible = (await options.listTokens()).filter((t) => covers(t.scopeOrgId));
      return { count: visible.length, items: visible.map(tokenBody) };
    },
  );

  app.post(
    '/api/v1/tokens/:id/revoke',
    {
      config: {
        access: {
          permission: 'tokens:manage',
          audit: false,
          target: async (request) => {
            const { id } = request.params as { id: string };
            const token = (await options.listTokens()).find((t) => t.id === id);
            if (token === undefined) throw new AppError('TOKEN_NOT_FOUND', `no token ${id}`);
            return token.scopeOrgId === FLEET_ROOT ? undefined : { orgId: token.scopeOrgId };
          },
        },
      },
      schema: {
        tags: ['access'],
        summary: 'revoke an API token from now on (TOKEN_ALREADY_REVOKED when it was)',
        params: z.object({ id: z.string().min(1).describe('the token id (the 16 hex digits after tnh_)') }),
        response: { 200: tokenSchema, ...errorResponses(404, 409) },
      },
    },
    async (request) => {
      const by = request.principal?.subject ?? 'unknown';
      return tokenBody(await options.revokeToken({ tokenId: request.params.id, by }));
    },
  );

  app.get(
    '/api/v1/session',
    {
      // Any authenticated caller may ask who it is: every role holds reports:read, and there is no target to judge.
      config: { access: { permission: 'reports:read', filtersToScope: true } },
      schema: {
        tags: ['access'],
        summary:
          'who the bearer is: subject, role, scope, permissions, expiry (the dashboard hides what it may not do)',
        response: { 200: sessionSchema, ...errorResponses() },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (principal === undefined) throw new Error('the auth plugin authenticates before any handler');
      const token =
        principal.tokenId === undefined
          ? undefined
          : (await options.listTokens()).find((t) => t.id === principal.tokenId);
      return {
        subject: principal.subject,
        role: principal.role,
        scopeOrgId: principal.scopeOrgId,
        via: principal.via,
        permissions: [...ROLE_PERMISSIONS[principal.role]],
        expiresAt: token === undefined ? null : isoInstant(token.expiresAtMs),
      };
    },
  );

  app.get(
    '/api/v1/audit',
    {
      // The log names every org's actions: only a grant over the whole fleet reads it.
      config: { access: { permission: 'audit:read' } },
      schema: {
        tags: ['access'],
        summary: 'the audit log: who did what, to what, with what outcome; oldest first',
        querystring: auditQuery,
        response: { 200: z.object({ count: z.number(), items: z.array(auditEntrySchema) }), ...errorResponses(400) },
      },
    },
    async (request) => {
      const { from, to, actor, action, limit } = request.query;
      if (from !== undefined && to !== undefined) timeRange({ from, to }, { fromMs: from, toMs: to });
      const entries = await options.listAudit({
        ...(from === undefined ? {} : { fromMs: from }),
        ...(to === undefined ? {} : { toMs: to }),
        ...(actor === undefined ? {} : { actor }),
        ...(action === undefined ? {} : { action }),
        limit: limit ?? 100,
      });
      const items = entries.map((e) => ({
        at: isoInstant(e.atMs),
        actor: e.actor,
        role: e.role ?? null,
        action: e.action,
        target: e.target,
        outcome: e.outcome,
        detail: { ...e.detail },
      }));
      return { count: items.length, items };
    },
  );
};

function tokenBody(t: TokenStatus): z.output<typeof tokenSchema> {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    scope: t.scopeOrgId,
    createdAt: isoInstant(t.createdAtMs),
    createdBy: t.createdBy,
    expiresAt: isoInstant(t.expiresAtMs),
    revokedAt: t.revokedAtMs === undefined ? null : isoInstant(t.revokedAtMs),
    revokedBy: t.revokedBy ?? null,
  };
}
