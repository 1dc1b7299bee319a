import { z } from 'zod';
import type { ConfigExtension } from '../config/index.js';
import { MINUTE_MS } from '../src/kernel/index.js';

/**
 * The `access:` section of the configuration, owned by the access capability
 * (config/ imports no capability); the shell adds it through ACCESS_CONFIG
 * (src/load-app-config.ts). Secrets never sit here: the bootstrap administrator
 * token and the /metrics token come from the environment (config/load-config.ts).
 * docs/access.md describes every setting.
 */

/**
 * Asymmetric JWS algorithms only: a shared-secret HMAC key in the config would be
 * a secret outside the environment, and `none` is never accepted.
 */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
] as const;

const jwkSchema = z.looseObject({ kty: z.string().min(1), kid: z.string().optional() });

export const jwtSettingsSchema = z.strictObject({
  /** The `iss` every accepted JWT carries. */
  issuer: z.string().min(1),
  /** The `aud` every accepted JWT carries (one of them). */
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** The algorithms accepted, pinned: a token signed otherwise is refused. */
  algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1),
  /** The identity provider's public keys (a JWKS document, inline). */
  jwks: z.strictObject({ keys: z.array(jwkSchema).min(1) }),
  /** The claim naming the role (auditor, energy_officer, administrator). */
  roleClaim: z.string().min(1).default('tanhe_role'),
  /** The claim naming the org subtree of the grant ('*' for the fleet). */
  scopeClaim: z.string().min(1).default('tanhe_scope'),
  /** Leeway on exp and nbf, for clocks that drift. */
  clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
});

export const accessSettingsSchema = z.strictObject({
  /** OIDC JWTs beside the API tokens; absent: API tokens only. */
  jwt: jwtSettingsSchema.optional(),
  /**
   * Requests per caller (the token's or JWT's subject; the client address when
   * anonymous) per window. 600 a minute lets a dashboard poll a dozen panels every
   * few seconds while stopping a runaway script or a token guesser.
   */
  rateLimit: z
    .strictObject({
      max: z.number().int().min(1).default(600),
      windowMs: z.number().int().min(1000).default(MINUTE_MS),
    })
    .prefault({}),
  /**
   * The largest request body accepted. The API's bodies are small JSON (an
   * acknowledgement's justification of up to 10 000 characters, a token request):
   * 64 KiB holds the largest with room, and refuses a flood early.
   */
  bodyLimitBytes: z
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(64 * 1024),
  /**
   * How long the service trusts its copy of the token store before reading it
   * again; an unknown token also rereads it (at most once a second). A token
   * created or revoked by the CLI takes effect within this bound.
   */
  tokenCacheTtlMs: z.number().int().min(0).max(MINUTE_MS).default(5000),
  /**
   * On a start with an empty token store, create an administrator token over the
   * whole fleet and print it once (the first-run demo). Off in production, where
   * the operator brings TANHE_BOOTSTRAP_ADMIN_TOKEN or creates tokens with the CLI.
   */
  demoAdminToken: z.boolean().default(false),
});

export type AccessSettings = z.infer<typeof accessSettingsSchema>;
export type JwtSettings = z.infer<typeof jwtSettingsSchema>;

export const ACCESS_CONFIG = {
  sections: { access: accessSettingsSchema.prefault({}) },
  envOverrides: {
    TANHE_RATE_LIMIT_MAX: 'access.rateLimit.max',
    TANHE_DEMO_ADMIN_TOKEN: 'access.demoAdminToken',
  },
} as const satisfies ConfigExtension;
