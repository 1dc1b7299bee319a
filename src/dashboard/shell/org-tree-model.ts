import type { OrgEntry } from '../views/dashboard-view.js';

/**
 * The org tree as the navigation: GET /api/v1/orgs answers a flat list already cut to the token's subtree;
 * here it becomes nested nodes. A node whose parent is not in the list is a root (the token's own node).
 */
export interface OrgNode {
  entry: OrgEntry;
  depth: number;
  children: OrgNode[];
}

export function buildOrgTree(entries: readonly OrgEntry[]): OrgNode[] {
  const ids = new Set(entries.map((e) => e.id));
  const nodes = new Map<string, OrgNode>();
  for (const entry of entries) nodes.set(entry.id, { entry, depth: 0, children: [] });
  const roots: OrgNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.entry.parent;
    const parentNode = parent !== null && ids.has(parent) ? nodes.get(parent) : undefined;
    if (parentNode === undefined) roots.push(node);
    else parentNode.children.push(node);
  }
  const setDepth = (node: OrgNode, depth: number) => {
    node.depth = depth;
    for (const child of node.children) setDepth(child, depth + 1);
  };
  for (const root of roots) setDepth(root, 0);
  return roots;
}

/** The nodes a keyboard walks, in order: each node, then its children when expanded. */
export function visibleNodes(roots: readonly OrgNode[], expanded: ReadonlySet<string>): OrgNode[] {
  const out: OrgNode[] = [];
  const walk = (node: OrgNode) => {
    out.push(node);
    if (expanded.has(node.entry.id)) for (const child of node.children) walk(child);
  };
  for (const root of roots) walk(root);
  return out;
}

/** The ids from a root down to `id` (to expand the path to a selected node); empty when `id` is not in the tree. */
export function pathTo(roots: readonly OrgNode[], id: string): string[] {
  for (const root of roots) {
    if (root.entry.id === id) return [id];
    const below = pathTo(root.children, id);
    if (below.length > 0) return [root.entry.id, ...below];
  }
  return [];
}
