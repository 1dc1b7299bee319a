/**
 * The org tree as the review walks it (docs/periods.md, "Review up the tree"): an institution's
 * reviewers are its ancestors at the county, city and region levels, nearest
 * first. A level the tree lacks is skipped (an institution directly under a
 * city is reviewed by the city, then the region). A district (区) is a
 * county-level unit and reviews as the county; a group is not an
 * administrative level and reviews nothing.
 */
export const REVIEWER_LEVELS = ['county', 'city', 'region'] as const;
export type ReviewerLevel = (typeof REVIEWER_LEVELS)[number];

/** One step up the chain: the reviewing org and the level it reviews at. */
export interface Reviewer {
  readonly level: ReviewerLevel;
  readonly orgId: string;
}

/** The part of the fleet the review needs (config's Fleet satisfies it). */
export interface ReviewFleet {
  readonly orgs: readonly { readonly id: string; readonly level: string; readonly parent?: string | undefined }[];
  readonly institutions: readonly { readonly id: string; readonly org: string }[];
}

/** A grant over the whole fleet (every top-level org): the access capability's root scope, mapped by the HTTP layer. */
export const WHOLE_FLEET = '*';

export interface ReviewTree {
  isInstitution(id: string): boolean;
  /** An org unit or an institution. */
  hasNode(id: string): boolean;
  /** The institution's reviewers, nearest first, each level strictly above the one before. */
  chainOf(institutionId: string): readonly Reviewer[];
  /** Whether a grant at `scopeId` covers the institution (the institution itself or one of its ancestors). */
  covers(scopeId: string, institutionId: string): boolean;
  /** The top of the institution's tree (an org without a parent): where an administrator reviews at any level. */
  rootOf(institutionId: string): string | undefined;
  /** The institution ids at or under a node, in fleet order; undefined for an unknown id. */
  institutionsUnder(nodeId: string): readonly string[] | undefined;
}

const LEVEL_OF_ORG: Readonly<Record<string, ReviewerLevel>> = {
  county: 'county',
  district: 'county',
  city: 'city',
  region: 'region',
};
const RANK: Readonly<Record<ReviewerLevel, number>> = { county: 1, city: 2, region: 3 };

export function createReviewTree(fleet: ReviewFleet): ReviewTree {
  const orgs = new Map(fleet.orgs.map((o) => [o.id, o]));
  const institutions = new Map(fleet.institutions.map((i) => [i.id, i]));

  /** The org ids above an institution, nearest first (the fleet is validated: no cycles; guarded anyway). */
  const ancestorsOf = (institutionId: string): string[] => {
    const found: string[] = [];
    let id = institutions.get(institutionId)?.org;
    while (id !== undefined && !found.includes(id)) {
      const org = orgs.get(id);
      if (org === undefined) break;
      found.push(id);
      id = org.parent;
    }
    return found;
  };

  return {
    isInstitution: (id) => institutions.has(id),
    hasNode: (id) => institutions.has(id) || orgs.has(id),
    chainOf(institutionId) {
      const chain: Reviewer[] = [];
      for (const orgId of ancestorsOf(institutionId)) {
        const level = LEVEL_OF_ORG[orgs.get(orgId)?.level ?? ''];
        if (level === undefined) continue;
        const last = chain.at(-1);
        // Strictly upward: a second county-level ancestor above a county reviews nothing more.
        if (last === undefined || RANK[level] > RANK[last.level]) chain.push({ level, orgId });
      }
      return chain;
    },
    covers: (scopeId, institutionId) =>
      scopeId === WHOLE_FLEET || scopeId === institutionId || ancestorsOf(institutionId).includes(scopeId),
    rootOf: (institutionId) => ancestorsOf(institutionId).at(-1),
    institutionsUnder(nodeId) {
      if (institutions.has(nodeId)) return [nodeId];
      if (!orgs.has(nodeId)) return undefined;
      return fleet.institutions.filter((i) => ancestorsOf(i.id).includes(nodeId)).map((i) => i.id);
    },
  };
}
