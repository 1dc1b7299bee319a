import { describe, expect, it } from 'vitest';
import { isAppError } from '../src/kernel/index.js';
import { createMemoryAuditLog } from './adapters/memory-audit-log.js';
import { createMemoryTokenStore } from './adapters/memory-token-store.js';
import { ensureBootstrapToken, ensureDemoToken } from './bootstrap-token.js';
import { checkToken, tokenStates } from './core/token-state.js';

const deps = () => ({
  tokens: createMemoryTokenStore(),
  audit: createMemoryAuditLog(),
  nowMs: () => 1_000,
  isKnownScope: () => true,
});
const text = `tnh_0123456789abcdef_${'S'.repeat(43)}`;

describe('the bootstrap and demo tokens', () => {
  it('creates the bootstrap administrator once, over the fleet root, and leaves it on the next start', async () => {
    const d = deps();
    expect(await ensureBootstrapToken(d, text)).toBe('created');
    expect(await ensureBootstrapToken(d, text)).toBe('present');
    const states = tokenStates(await d.tokens.events());
    expect(states.size).toBe(1);
    expect(checkToken(states, text, 2_000)).toMatchObject({
      ok: true,
      token: { role: 'administrator', scopeOrgId: '*' },
    });
  });

  it('refuses a bootstrap token whose id is taken by another secret', async () => {
    const d = deps();
    await ensureBootstrapToken(d, text);
    const other = `tnh_0123456789abcdef_${'T'.repeat(43)}`;
    const error: unknown = await ensureBootstrapToken(d, other).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('CONFIG_INVALID');
  });

  it('mints the demo token only while the token store is empty', async () => {
    const d = deps();
    const demo = await ensureDemoToken(d);
    expect(demo?.token).toMatchObject({ name: 'demo-admin', role: 'administrator', scopeOrgId: '*' });
    expect(await ensureDemoToken(d)).toBeUndefined();
    const other = deps();
    await ensureBootstrapToken(other, text);
    expect(await ensureDemoToken(other)).toBeUndefined();
  });
});
