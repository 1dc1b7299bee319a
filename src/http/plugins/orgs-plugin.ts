import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { valueOn } from '../../../accounting/index.js';
import type { FleetRegistry } from '../../../config/index.js';
import { localDate } from '../../kernel/index.js';
import { errorResponses } from '../error-mapper.js';

export interface OrgsPluginOptions {
  readonly fleet: FleetRegistry;
  readonly nowMs: () => number;
}

const orgNodeSchema = z.object({
  id: z.string(),
  name: z.string(),
  level: z.string().describe('region, city, county'),
  parent: z.string().nullable(),
  kind: z.literal('org'),
});

const institutionNodeSchema = z.object({
  id: z.string(),
  name: z.string(),
  level: z.literal('institution'),
  parent: z.string(),
  kind: z.literal('institution'),
  type: z.string(),
  timezone: z.string(),
  gridRegion: z.string().nullable(),
  floorAreaM2: z.number().nullable().describe("in force on today's local date"),
  occupants: z.number().nullable().describe("in force on today's local date"),
  buildings: z.array(z.object({ id: z.string(), name: z.string() })),
  meterCount: z.number(),
});

const orgsResponse = z.object({
  count: z.number(),
  orgs: z.array(z.discriminatedUnion('kind', [orgNodeSchema, institutionNodeSchema])),
});

/** The fleet as an organisation tree: region → city → county → institution. */
export const orgsPlugin: FastifyPluginAsyncZod<OrgsPluginOptions> = async (app, { fleet: registry, nowMs }) => {
  /** Flat with parents: org units, then institutions with their current details. */
  app.get(
    '/api/v1/orgs',
    {
      // The caller's subtree only: its own node and what lies under it.
      config: { access: { permission: 'reports:read', filtersToScope: true } },
      schema: {
        tags: ['fleet'],
        summary: 'the organisation tree (region → city → county → institution) with institution details',
        response: { 200: orgsResponse, ...errorResponses() },
      },
    },
    async (request) => {
      const covers = request.covers ?? (() => false);
      const fleet = {
        orgs: registry.fleet.orgs.filter((o) => covers(o.id)),
        institutions: registry.fleet.institutions.filter((i) => covers(i.id)),
        buildings: registry.fleet.buildings,
      };
      const now = nowMs();
      const meterCount = new Map<string, number>();
      for (const meter of registry.meters()) {
        const institution = registry.institutionOf(meter).id;
        meterCount.set(institution, (meterCount.get(institution) ?? 0) + 1);
      }
      const orgs = fleet.orgs.map((o) => ({
        id: o.id,
        name: o.name,
        level: o.level,
        parent: o.parent ?? null,
        kind: 'org' as const,
      }));
      const institutions = fleet.institutions.map((i) => {
        const today = localDate(now, i.timezone);
        return {
          id: i.id,
          name: i.name,
          level: 'institution' as const,
          parent: i.org,
          kind: 'institution' as const,
          type: i.type,
          timezone: i.timezone,
          gridRegion: i.gridRegion ?? null,
          floorAreaM2: valueOn(i.floorAreaM2, today),
          occupants: valueOn(i.occupants, today),
          buildings: fleet.buildings.filter((b) => b.institution === i.id).map((b) => ({ id: b.id, name: b.name })),
          meterCount: meterCount.get(i.id) ?? 0,
        };
      });
      return { count: orgs.length + institutions.length, orgs: [...orgs, ...institutions] };
    },
  );
};
