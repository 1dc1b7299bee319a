import { describe, expect, it } from 'vitest';
import { accessSettingsSchema } from './access-settings.js';

describe('the access: section', () => {
  it('has defaults fit for a dashboard, and no JWT unless configured', () => {
    expect(accessSettingsSchema.parse({})).toEqual({
      rateLimit: { max: 600, windowMs: 60_000 },
      bodyLimitBytes: 65_536,
      tokenCacheTtlMs: 5000,
      demoAdminToken: false,
    });
  });

  it('refuses unknown keys, HMAC or none algorithms and a JWKS without keys, listing every problem', () => {
    const result = accessSettingsSchema.safeParse({
      rateLimt: { max: 1 },
      rateLimit: { max: 0 },
      jwt: { issuer: 'i', audience: 'a', algorithms: ['HS256', 'none'], jwks: { keys: [] } },
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['', 'jwt.algorithms.0', 'jwt.algorithms.1', 'jwt.jwks.keys', 'rateLimit.max']);
  });
});
