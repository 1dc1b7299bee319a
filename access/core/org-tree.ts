/**
 * The org tree as access control reads it: for any node, the path from it up to
 * its top-level org, and for a meter, its institution. Built from the fleet's
 * shape (orgs with parents, institutions under orgs, buildings, meters), with no
 * dependency on config/.
 */
export interface OrgTree {
  /** The node and its ancestors, nearest first; undefined for an id that is no org unit or institution. */
  pathOf(nodeId: string): readonly string[] | undefined;
  /** A meter's or virtual meter's institution; undefined for an unknown meter. */
  institutionOfMeter(meterId: string): string | undefined;
  /** The top-level org units (no parent). */
  readonly roots: readonly string[];
  /** Whether the id is an org unit or an institution. */
  has(nodeId: string): boolean;
}

/** The grant scope that covers the whole fleet, whatever its top-level orgs. */
export const FLEET_ROOT = '*';

export interface FleetShape {
  readonly orgs: readonly { readonly id: string; readonly parent?: string | undefined }[];
  readonly institutions: readonly { readonly id: string; readonly org: string }[];
  readonly buildings: readonly { readonly id: string; readonly institution: string }[];
  readonly meters: readonly { readonly id: string; readonly building: string }[];
  readonly virtualMeters: readonly { readonly id: string; readonly institution: string }[];
}

export function createOrgTree(fleet: FleetShape): OrgTree {
  const parentOf = new Map<string, string | undefined>();
  for (const o of fleet.orgs) parentOf.set(o.id, o.parent);
  for (const i of fleet.institutions) parentOf.set(i.id, i.org);
  const paths = new Map<string, readonly string[]>();
  for (const id of parentOf.keys()) {
    const path: string[] = [];
    // The fleet is validated acyclic; the bound only keeps a broken one from looping.
    for (let node: string | undefined = id; node !== undefined && path.length <= parentOf.size;) {
      path.push(node);
      node = parentOf.get(node);
    }
    paths.set(id, path);
  }
  const institutionOfBuilding = new Map(fleet.buildings.map((b) => [b.id, b.institution]));
  const meterInstitution = new Map<string, string>();
  for (const m of fleet.meters) {
    const institution = institutionOfBuilding.get(m.building);
    if (institution !== undefined) meterInstitution.set(m.id, institution);
  }
  for (const v of fleet.virtualMeters) meterInstitution.set(v.id, v.institution);
  return {
    pathOf: (nodeId) => paths.get(nodeId),
    institutionOfMeter: (meterId) => meterInstitution.get(meterId),
    roots: fleet.orgs.filter((o) => o.parent === undefined).map((o) => o.id),
    has: (nodeId) => paths.has(nodeId),
  };
}
