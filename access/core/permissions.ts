/**
 * Who may do what: three roles, each a set of permissions, every grant scoped to
 * an org subtree (access-policy decides; this file is only the vocabulary).
 * Deny by default: a route names the one permission it needs, and a role that
 * does not list it is refused.
 */
export const ROLES = ['auditor', 'energy_officer', 'administrator'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** Registry, readings, quarantine, consumption series, carbon reports, closed periods and their proofs. */
  'reports:read',
  /** Alerts, quota progress, baselines, meter health. */
  'alerts:read',
  /** Acknowledge and resolve alerts. */
  'alerts:act',
  /** Submit a closed month up the tree, and review (approve, return) a child's submission. */
  'periods:review',
  /** Close a period, issue a revision. */
  'periods:close',
  /** Create and revoke tokens. */
  'tokens:manage',
  /** Read the audit log. */
  'audit:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  auditor: ['reports:read'],
  energy_officer: ['reports:read', 'alerts:read', 'alerts:act', 'periods:review'],
  administrator: PERMISSIONS,
};
