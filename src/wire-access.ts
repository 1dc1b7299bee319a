import {
  createAuthenticate,
  createListAudit,
  createOrgTree,
  createRecordAudit,
  createToken,
  ensureBootstrapToken,
  ensureDemoToken,
  isGrantScope,
  listTokens,
  parseToken,
  revokeToken,
  type AccessSettings,
  type AuditLog,
  type TokenStore,
  type TokenUseCaseDeps,
} from '../access/index.js';
import type { Fleet } from '../config/index.js';
import type { AccessHttpDeps } from './http/index.js';
import { AppError } from './kernel/index.js';

export interface AccessWiringInput {
  readonly settings: AccessSettings;
  readonly secrets: { readonly metricsToken?: string; readonly bootstrapAdminToken?: string };
  readonly fleet: Fleet;
  readonly stores: { readonly tokens: TokenStore; readonly audit: AuditLog };
  readonly nowMs: () => number;
}

export interface AccessWiring {
  readonly http: AccessHttpDeps;
  /** The token use cases' deps, for the CLI's token commands. */
  readonly tokenDeps: TokenUseCaseDeps;
  /**
   * Once the stores are initialised: makes sure the bootstrap administrator token
   * exists (TANHE_BOOTSTRAP_ADMIN_TOKEN), and on the demo (access.demoAdminToken)
   * with an empty token store creates one; returns its secret to print once.
   */
  bootstrap(): Promise<{ readonly demoToken?: string }>;
}

/** Access control from the config, the stores and the fleet (docs/access.md). */
export function wireAccess(input: AccessWiringInput): AccessWiring {
  const { settings, secrets, stores, nowMs } = input;
  // Checked before anything starts: a mistyped bootstrap token stops the service like any invalid setting.
  if (secrets.bootstrapAdminToken !== undefined && parseToken(secrets.bootstrapAdminToken) === undefined) {
    throw new AppError(
      'CONFIG_INVALID',
      'TANHE_BOOTSTRAP_ADMIN_TOKEN is not a token of the form tnh_<16 hex>_<43 b64url>',
    );
  }
  const tree = createOrgTree(input.fleet);
  const isKnownScope = isGrantScope(tree);
  const tokenDeps: TokenUseCaseDeps = { tokens: stores.tokens, audit: stores.audit, nowMs, isKnownScope };
  const authenticate = createAuthenticate({
    tokens: stores.tokens,
    audit: stores.audit,
    nowMs,
    cacheTtlMs: settings.tokenCacheTtlMs,
    jwt: settings.jwt,
    isKnownScope,
  });
  // A token created or revoked through this process counts at once; the cache bound is for the CLI's changes.
  const create = createToken(tokenDeps);
  const revoke = revokeToken(tokenDeps);
  const http: AccessHttpDeps = {
    authenticate,
    tree,
    recordAudit: createRecordAudit({ audit: stores.audit }),
    listAudit: createListAudit({ audit: stores.audit }),
    createToken: async (request) => {
      const created = await create(request);
      authenticate.forget();
      return created;
    },
    revokeToken: async (request) => {
      const revoked = await revoke(request);
      authenticate.forget();
      return revoked;
    },
    listTokens: listTokens(tokenDeps),
    settings: {
      rateLimit: settings.rateLimit,
      bodyLimitBytes: settings.bodyLimitBytes,
      metricsToken: secrets.metricsToken,
    },
    nowMs,
  };
  return {
    http,
    tokenDeps,
    async bootstrap() {
      if (secrets.bootstrapAdminToken !== undefined) await ensureBootstrapToken(tokenDeps, secrets.bootstrapAdminToken);
      if (!settings.demoAdminToken) return {};
      const demo = await ensureDemoToken(tokenDeps);
      return demo === undefined ? {} : { demoToken: demo.secret };
    },
  };
}
