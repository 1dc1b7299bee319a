import type { FastifyRequest } from 'fastify';
import type { Permission, Principal } from '../../access/index.js';

/**
 * What a route declares about access, in its route options:
 * `config: { access: { permission, target } }` (or `{ public: true }` for health,
 * readiness and the API docs). The auth plugin refuses to register a route that
 * declares nothing, so no route is open by accident.
 */
export type RouteAccess =
  | { readonly public: true }
  | {
      readonly permission: Permission;
      /**
       * The org unit, institution or meter the request acts on, read after the
       * request is validated; the caller's grant must cover it. Undefined (or a
       * target that returns undefined): the whole fleet, which only a grant at
       * the fleet's root covers.
       */
      readonly target?: (request: FastifyRequest) => AccessTarget | undefined | Promise<AccessTarget | undefined>;
    };

export type AccessTarget = { readonly orgId: string } | { readonly meterId: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The authenticated caller; set by the auth plugin before any handler runs (absent on public routes). */
    principal?: Principal;
    /** What a handler adds to this request's audit entry (a digest, a revision, a justification). */
    auditDetail?: Record<string, unknown>;
  }
}
