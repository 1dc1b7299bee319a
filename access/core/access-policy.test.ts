import { describe, expect, it } from 'vitest';
import { covers, decideAccess, isGrantScope } from './access-policy.js';
import { createOrgTree, FLEET_ROOT } from './org-tree.js';
import type { Principal } from './principal.js';

const tree = createOrgTree({
  orgs: [
    { id: 'nx', parent: undefined },
    { id: 'c1', parent: 'nx' },
    { id: 'k1', parent: 'c1' },
    { id: 'k2', parent: 'c1' },
  ],
  institutions: [
    { id: 'i1', org: 'k1' },
    { id: 'i2', org: 'k2' },
  ],
  buildings: [{ id: 'b1', institution: 'i1' }],
  meters: [{ id: 'm1', building: 'b1' }],
  virtualMeters: [{ id: 'v1', institution: 'i2' }],
});
const who = (role: Principal['role'], scopeOrgId: string): Principal => ({
  subject: 's',
  role,
  scopeOrgId,
  via: 'token',
});

describe('decideAccess', () => {
  it('refuses a role without the permission before looking at the scope', () => {
    expect(decideAccess(who('auditor', FLEET_ROOT), 'alerts:act', { orgId: 'i1' }, tree)).toMatchObject({
      allow: false,
      code: 'FORBIDDEN',
    });
    expect(decideAccess(who('energy_officer', 'i2'), 'tokens:manage', { orgId: 'i1' }, tree)).toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('allows a target at or under the grant, and refuses one beside or above it', () => {
    for (const scope of [FLEET_ROOT, 'nx', 'c1', 'k1', 'i1']) {
      expect(decideAccess(who('auditor', scope), 'reports:read', { orgId: 'i1' }, tree), scope).toEqual({
        allow: true,
      });
    }
    for (const [scope, target] of [
      ['i2', 'i1'],
      ['k2', 'i1'],
      ['k1', 'c1'],
      ['i1', 'k1'],
    ] as const) {
      expect(decideAccess(who('auditor', scope), 'reports:read', { orgId: target }, tree)).toMatchObject({
        allow: false,
        code: 'OUT_OF_SCOPE',
      });
    }
  });

  it('lets only the fleet root, or the only top-level org, act on the whole fleet', () => {
    expect(covers(FLEET_ROOT, { fleet: true }, tree)).toBe(true);
    expect(covers('nx', { fleet: true }, tree)).toBe(true);
    expect(covers('c1', { fleet: true }, tree)).toBe(false);
    const twoRoots = createOrgTree({
      orgs: [{ id: 'a' }, { id: 'b' }],
      institutions: [],
      buildings: [],
      meters: [],
      virtualMeters: [],
    });
    expect(covers('a', { fleet: true }, twoRoots)).toBe(false);
    expect(covers(FLEET_ROOT, { fleet: true }, twoRoots)).toBe(true);
  });

  it('puts an unknown node outside every grant but the root, and knows meters by institution', () => {
    expect(covers('nx', { orgId: 'nowhere' }, tree)).toBe(false);
    expect(covers(FLEET_ROOT, { orgId: 'nowhere' }, tree)).toBe(true);
    expect(tree.institutionOfMeter('m1')).toBe('i1');
    expect(tree.institutionOfMeter('v1')).toBe('i2');
    expect(tree.institutionOfMeter('m9')).toBeUndefined();
    expect([FLEET_ROOT, 'k2', 'i1', 'm1', 'x'].map(isGrantScope(tree))).toEqual([true, true, true, false, false]);
  });
});
