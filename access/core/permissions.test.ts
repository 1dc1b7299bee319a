import { describe, expect, it } from 'vitest';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES } from './permissions.js';

describe('roles', () => {
  it('grow from auditor to energy officer to administrator', () => {
    const [auditor, officer, admin] = ROLES.map((role) => new Set(ROLE_PERMISSIONS[role]));
    for (const p of auditor!) expect(officer!.has(p)).toBe(true);
    for (const p of officer!) expect(admin!.has(p)).toBe(true);
    expect(admin!.size).toBe(PERMISSIONS.length);
    expect(auditor!.has('alerts:act')).toBe(false);
    expect(officer!.has('periods:close')).toBe(false);
  });
});
