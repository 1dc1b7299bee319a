import type { HealthFinding, Meter, MeterHealth, OrgNode } from './ops-api.js';

/** The selected node and everything under it (the org tree's ids), to keep the org's meters. */
export function subtreeOf(orgs: readonly OrgNode[], rootId: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const node of orgs) {
    if (node.parent === null) continue;
    children.set(node.parent, [...(children.get(node.parent) ?? []), node.id]);
  }
  const ids = new Set<string>();
  const pending = [rootId];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (ids.has(id)) continue;
    ids.add(id);
    pending.push(...(children.get(id) ?? []));
  }
  return ids;
}

/**
 * Offline is what the officer must see first: a meter whose meter_offline finding
 * is raised, or which the registry reports late or never reporting (the registry
 * answers before the health checks do).
 */
export function isOffline(meter: Meter, health: MeterHealth | undefined): boolean {
  if (health?.findings.some((f) => f.rule === 'meter_offline' && f.verdict === 'raise')) return true;
  return meter.state !== 'reporting';
}

/** The findings that hold (raised), most severe first. */
export function raisedFindings(health: MeterHealth | undefined): HealthFinding[] {
  const rank = { critical: 0, warning: 1, info: 2 } as const;
  return (health?.findings ?? [])
    .filter((f) => f.verdict === 'raise')
    .sort((a, b) => rank[a.severity] - rank[b.severity] || a.rule.localeCompare(b.rule));
}

/** Offline meters first, then those with raised findings, then by id. */
export function orderMeters(meters: readonly Meter[], health: ReadonlyMap<string, MeterHealth>): Meter[] {
  const weight = (m: Meter) => {
    const h = health.get(m.id);
    return isOffline(m, h) ? 0 : raisedFindings(h).length > 0 ? 1 : 2;
  };
  return [...meters].sort((a, b) => weight(a) - weight(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The last `count` readings, newest first (the route answers ascending). */
export function lastReadings<T>(ascending: readonly T[], count: number): T[] {
  return ascending.slice(-count).reverse();
}
