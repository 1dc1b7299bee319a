import { fleetSchema, type Fleet } from '../../config/index.js';
import type { ClosedRevisionRef, ClosedRevisions } from '../../periods/index.js';

/**
 * The review tests' tree: region nx → city yc → counties xq and jn; institutions gov and school in xq,
 * clinic in jn, and city-hosp directly under the city (no county: its chain is city, region).
 */
export const reviewFleet: Fleet = fleetSchema.parse({
  orgs: [
    { id: 'nx', name: '宁夏回族自治区', level: 'region' },
    { id: 'yc', name: '银川市', level: 'city', parent: 'nx' },
    { id: 'xq', name: '兴庆区', level: 'county', parent: 'yc' },
    { id: 'jn', name: '金凤区', level: 'county', parent: 'yc' },
  ],
  institutions: [
    institution('gov', '兴庆区行政中心', 'xq'),
    institution('school', '兴庆区第一中学', 'xq'),
    institution('clinic', '金凤区卫生院', 'jn'),
    institution('city-hosp', '银川市第一人民医院', 'yc'),
  ],
});

function institution(id: string, name: string, org: string) {
  const dated = (value: number) => [{ from: '2020-01-01', value }];
  return { id, name, org, type: 'government_office', floorAreaM2: dated(10_000), occupants: dated(300) };
}

/**
 * Closed revisions behind the port that the test advances: `close` issues the next revision of
 * (institution, period) with a digest derived from it, as closing and revising a period would.
 */
export function fakeClosedRevisions(): ClosedRevisions & { close(orgId: string, period: string): ClosedRevisionRef } {
  const latest = new Map<string, ClosedRevisionRef>();
  return {
    latest: async (orgId, period) => latest.get(`${orgId}/${period}`),
    close(orgId, period) {
      const revision = (latest.get(`${orgId}/${period}`)?.revision ?? 0) + 1;
      const digest = digestOf(orgId, period, revision);
      const ref = { orgId, period, revision, digest, closedAtMs: Date.UTC(2026, 10, 1) + revision };
      latest.set(`${orgId}/${period}`, ref);
      return ref;
    },
  };
}

/** A stand-in SHA-256 digest (64 hex digits) that differs per institution, period and revision. */
export function digestOf(orgId: string, period: string, revision: number): string {
  const seed = [...`${orgId}/${period}/${revision}`].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  return seed.toString(16).padStart(8, '0').repeat(8);
}
