import { ROLE_PERMISSIONS, type Permission } from './permissions.js';
import type { Principal } from './principal.js';
import { FLEET_ROOT, type OrgTree } from './org-tree.js';

/** What a request acts on, once resolved: one node of the tree, or the whole fleet. */
export type PolicyTarget = { readonly orgId: string } | { readonly fleet: true };

export type AccessDecision =
  | { readonly allow: true }
  | { readonly allow: false; readonly code: 'FORBIDDEN' | 'OUT_OF_SCOPE'; readonly reason: string };

/**
 * Deny by default: the role must list the route's permission (else FORBIDDEN),
 * then the grant's subtree must hold the target (else OUT_OF_SCOPE). A grant at
 * FLEET_ROOT covers everything; a grant at the fleet's only top-level org covers
 * the whole fleet too (there is nothing outside it). An unknown node lies in no
 * grant's subtree but the root's: a scoped caller learns OUT_OF_SCOPE, not
 * whether the id exists; a root caller gets the route's own 404.
 */
export function decideAccess(
  principal: Principal,
  permission: Permission,
  target: PolicyTarget,
  tree: OrgTree,
): AccessDecision {
  if (!ROLE_PERMISSIONS[principal.role].includes(permission)) {
    return { allow: false, code: 'FORBIDDEN', reason: `role ${principal.role} lacks ${permission}` };
  }
  if (covers(principal.scopeOrgId, target, tree)) return { allow: true };
  const what = 'fleet' in target ? 'the whole fleet' : target.orgId;
  return { allow: false, code: 'OUT_OF_SCOPE', reason: `${what} lies outside the grant at ${principal.scopeOrgId}` };
}

/** Whether a grant at `scopeOrgId` covers the target. */
export function covers(scopeOrgId: string, target: PolicyTarget, tree: OrgTree): boolean {
  if (scopeOrgId === FLEET_ROOT) return true;
  if ('fleet' in target) return tree.roots.length === 1 && tree.roots[0] === scopeOrgId;
  return tree.pathOf(target.orgId)?.includes(scopeOrgId) ?? false;
}

/** Whether a grant's scope is one a token may name: the fleet root or a node of the tree. */
export function isGrantScope(tree: OrgTree): (orgId: string) => boolean {
  return (orgId) => orgId === FLEET_ROOT || tree.has(orgId);
}
