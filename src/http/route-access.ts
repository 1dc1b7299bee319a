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
  /** Open to whoever presents this one bearer secret (a scraper's /metrics token), and to no one else. */
  | { readonly secretBearer: string }
  | {
      readonly permission: Permission;
      /**
       * A list that the handler cuts to the caller's subtree itself (with
       * `request.covers`), instead of one target checked before it runs.
       */
      readonly filtersToScope?: true;
      /**
       * The audit action of a mutating request (POST, PUT, DELETE), e.g.
       * 'alert.acknowledge'; false when the use case writes its own entry
       * (token.create). Absent: '<METHOD> <route>'.
       */
      readonly audit?: string | false;
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
    /** Whether the caller's grant covers an org unit or institution; set by the auth plugin before validation. */
    covers?: (orgId: string) => boolean;
    /** The node the access check judged (an org or institution id, "fleet"); set by the auth plugin. */
    accessTarget?: string;
    /** What a mutating handler acted on, for its audit entry (an alert id); the access target when absent. */
    auditTarget?: string;
    /** The error code of the answer, when it was an error; set by the error mapper for the audit log. */
    errorCode?: string;
  }
}
