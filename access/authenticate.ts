import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { AppError, HOUR_MS } from '../src/kernel/index.js';
import type { JwtSettings } from './access-settings.js';
import { ROLES, type Role } from './core/permissions.js';
import type { Principal } from './core/principal.js';
import { checkToken, tokenStates, type TokenStatus } from './core/token-state.js';
import type { AuditLog, TokenStore } from './ports.js';

export type Authenticate = (authorization: string | undefined) => Promise<Principal>;

/** An Authenticate that can be told its copy of the tokens is stale (a token was created or revoked here). */
export interface TokenAuthenticator extends Authenticate {
  forget(): void;
}

export interface AuthenticateDeps {
  readonly tokens: TokenStore;
  readonly audit: AuditLog;
  /** The business clock: token expiry and the audit's instants. */
  readonly nowMs: () => number;
  /**
   * A monotonic clock for the cache's age (default: performance.now). Not the business clock, which a test or a
   * backtest may hold still: a held clock would keep a stale copy forever.
   */
  readonly elapsedMs?: () => number;
  /** How long the derived token states are trusted before the store is read again. */
  readonly cacheTtlMs: number;
  /** OIDC JWTs beside the API tokens; absent: API tokens only. */
  readonly jwt?: JwtSettings | undefined;
  /** Whether a JWT's scope claim names a grant scope (the fleet root or a node of the tree). */
  readonly isKnownScope: (orgId: string) => boolean;
}

/** An unknown token rereads the store at most this often, so a flood of guesses does not become a flood of reads. */
const MISS_REREAD_MS = 1000;
/** The share of `cacheTtlMs` after which a request starts the next read of the store without waiting for it. */
const READ_AHEAD_AT = 0.5;

/**
 * `Authorization: Bearer <token>` → the caller, or UNAUTHENTICATED (the HTTP
 * layer answers 401 with `WWW-Authenticate: Bearer`). The `details.reason`
 * (missing, malformed, unknown, expired, revoked, jwt) is for the audit log;
 * the answer's body says no more than "not authenticated" and the reason.
 *
 * API tokens: the token states are derived from the store's events and kept for
 * `cacheTtlMs` (a request past half of it starts the next read in the background);
 * a token not in the copy rereads it (at most once a second). So a
 * token created by the CLI works at once, and a revoked one stops working within
 * `cacheTtlMs` (5 s by default) plus one request.
 *
 * Token use is audited as `token.use` on the first request of each token in each
 * hour (UTC), not on every request: a dashboard polls every few seconds, and one
 * line per request would bury the acknowledgements and closes the log is read
 * for, while the hourly line still says which token was used when.
 */
export function createAuthenticate(deps: AuthenticateDeps): TokenAuthenticator {
  let states: Map<string, TokenStatus> | undefined;
  let loadedAtMs = Number.NEGATIVE_INFINITY;
  const lastUseHour = new Map<string, number>();
  const jwks = deps.jwt === undefined ? undefined : createLocalJWKSet(deps.jwt.jwks as never);

  const elapsedMs = deps.elapsedMs ?? (() => performance.now());
  // One read of the store at a time: the requests that find the copy stale together (the dashboard's first view
  // asks three routes at once) share it instead of each reading every token event. A forget() while a read is on
  // its way makes the next request read again: what that read started with may not hold the change.
  let loading: Promise<Map<string, TokenStatus>> | undefined;
  let generation = 0;
  const load = (): Promise<Map<string, TokenStatus>> => {
    if (loading !== undefined) return loading;
    const startedIn = generation;
    const read = deps.tokens
      .events()
      .then((events) => {
        const loaded = tokenStates(events);
        if (startedIn === generation) {
          states = loaded;
          loadedAtMs = elapsedMs();
        }
        return loaded;
      })
      .finally(() => {
        if (loading === read) loading = undefined;
      });
    loading = read;
    return read;
  };

  const viaToken = async (presented: string, nowMs: number): Promise<Principal> => {
    const age = () => elapsedMs() - loadedAtMs;
    let current: Map<string, TokenStatus>;
    if (states === undefined || age() >= deps.cacheTtlMs) current = await load();
    else {
      current = states;
      // Read ahead: a copy past half its life is still trusted for this request, and the store is read in the
      // background, so that requests coming every few seconds (a dashboard) never wait for the store. A failed
      // read-ahead is not this request's error: the first request after the bound reads again and reports it.
      if (age() >= deps.cacheTtlMs * READ_AHEAD_AT) load().catch(() => undefined);
    }
    let check = checkToken(current, presented, nowMs);
    if (!check.ok && check.reason === 'unknown' && age() >= MISS_REREAD_MS) {
      current = await load();
      check = checkToken(current, presented, nowMs);
    }
    if (!check.ok) throw unauthenticated(check.reason);
    const { token } = check;
    const hour = Math.floor(nowMs / HOUR_MS);
    if (lastUseHour.get(token.id) !== hour) {
      lastUseHour.set(token.id, hour);
      await deps.audit.append([
        {
          atMs: nowMs,
          actor: token.name,
          role: token.role,
          action: 'token.use',
          target: token.id,
          outcome: 'ok',
          detail: { scopeOrgId: token.scopeOrgId },
        },
      ]);
    }
    return { subject: token.name, role: token.role, scopeOrgId: token.scopeOrgId, via: 'token', tokenId: token.id };
  };

  const viaJwt = async (presented: string, settings: JwtSettings): Promise<Principal> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(presented, jwks!, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: [...settings.algorithms],
        clockTolerance: settings.clockToleranceSeconds,
        currentDate: new Date(deps.nowMs()),
      }));
    } catch (error) {
      throw unauthenticated('jwt', error);
    }
    const role = payload[settings.roleClaim];
    const scope = payload[settings.scopeClaim];
    if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthenticated('jwt_subject');
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw unauthenticated('jwt_role');
    if (typeof scope !== 'string' || !deps.isKnownScope(scope)) throw unauthenticated('jwt_scope');
    return { subject: payload.sub, role: role as Role, scopeOrgId: scope, via: 'jwt' };
  };

  const authenticate = async (authorization: string | undefined): Promise<Principal> => {
    if (authorization === undefined || authorization === '') throw unauthenticated('missing');
    const match = /^Bearer +(\S+)$/i.exec(authorization.trim());
    if (match === null) throw unauthenticated('malformed');
    const presented = match[1]!;
    if (presented.startsWith('tnh_')) return viaToken(presented, deps.nowMs());
    if (deps.jwt !== undefined && presented.split('.').length === 3) return viaJwt(presented, deps.jwt);
    throw unauthenticated('malformed');
  };
  return Object.assign(authenticate, {
    forget() {
      states = undefined;
      loading = undefined;
      generation++;
    },
  });
}

function unauthenticated(reason: string, cause?: unknown): AppError {
  return new AppError('UNAUTHENTICATED', `not authenticated: ${reason.replace('_', ' ')}`, {
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}
