import {
  defaultCeilingPerHour,
  resolveVirtualMeters,
  type MeterSpec,
  type ResolvedVirtualMeter,
} from './core/index.js';
import { DEFAULT_TIME_ZONE } from '../src/kernel/index.js';
import type { FleetConfig, InstitutionConfig, MeterConfig } from './ports.js';

/**
 * The organisation tree as accounting walks it: an org unit or an institution is
 * a node; an institution's meters are those of its buildings.
 */
export interface FleetView {
  readonly fleet: FleetConfig;
  /** The institutions at or under a node; undefined when no org unit or institution has that id. */
  institutionsUnder(nodeId: string): readonly InstitutionConfig[] | undefined;
  metersOf(institutionIds: readonly string[]): readonly MeterConfig[];
  institutionOfMeter(meterId: string): InstitutionConfig | undefined;
  meter(meterId: string): MeterConfig | undefined;
  /** A virtual meter, expanded into real meters (coefficients include the unit conversion). */
  virtualMeter(meterId: string): ResolvedVirtualMeter | undefined;
  virtualMetersOf(institutionIds: readonly string[]): readonly ResolvedVirtualMeter[];
}

/** A virtual meter as configured (config/fleet-schema.ts's VirtualMeter satisfies it). */
export interface VirtualMeterConfig {
  readonly id: string;
  readonly name?: string | undefined;
  readonly institution: string;
  readonly carrier: string;
  readonly unit: string;
  readonly expression: string;
  readonly endUse?: string | undefined;
}

/** The fleet's virtual meters are optional here: a fleet without them has none. */
export function createFleetView(
  fleet: FleetConfig & { readonly virtualMeters?: readonly VirtualMeterConfig[] },
): FleetView {
  const childrenOf = new Map<string, string[]>();
  for (const org of fleet.orgs) {
    if (org.parent === undefined) continue;
    childrenOf.set(org.parent, [...(childrenOf.get(org.parent) ?? []), org.id]);
  }
  const orgIds = new Set(fleet.orgs.map((o) => o.id));
  const institutions = new Map(fleet.institutions.map((i) => [i.id, i]));
  const institutionOfBuilding = new Map(fleet.buildings.map((b) => [b.id, b.institution]));
  const meters = new Map(fleet.meters.map((m) => [m.id, m]));
  // Resolved once: the fleet is validated and frozen, so a failure here is a bug.
  const resolved = resolveVirtualMeters(
    (fleet.virtualMeters ?? []).map((v) => ({ ...v, institutionId: v.institution })),
    fleet.meters,
  );
  const virtualMeters = new Map(resolved.map((v) => [v.id, v]));

  const orgsUnder = (orgId: string): Set<string> => {
    const found = new Set<string>();
    const stack = [orgId];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (found.has(id)) continue;
      found.add(id);
      stack.push(...(childrenOf.get(id) ?? []));
    }
    return found;
  };

  return {
    fleet,
    institutionsUnder(nodeId) {
      const institution = institutions.get(nodeId);
      if (institution !== undefined) return [institution];
      if (!orgIds.has(nodeId)) return undefined;
      const under = orgsUnder(nodeId);
      return fleet.institutions.filter((i) => under.has(i.org));
    },
    metersOf(institutionIds) {
      const wanted = new Set(institutionIds);
      return fleet.meters.filter((m) => wanted.has(institutionOfBuilding.get(m.building) ?? ''));
    },
    institutionOfMeter(meterId) {
      const meter = meters.get(meterId);
      return meter === undefined ? undefined : institutions.get(institutionOfBuilding.get(meter.building) ?? '');
    },
    meter: (meterId) => meters.get(meterId),
    virtualMeter: (meterId) => virtualMeters.get(meterId),
    virtualMetersOf(institutionIds) {
      const wanted = new Set(institutionIds);
      return resolved.filter((v) => wanted.has(v.institutionId));
    },
  };
}

/** The consumption rules' view of a configured meter. */
export function meterSpec(meter: MeterConfig): MeterSpec {
  const ceiling = defaultCeilingPerHour(meter.carrier, meter.unit);
  return {
    id: meter.id,
    register: meter.register,
    multiplier: meter.multiplier,
    expectedIntervalMinutes: meter.expectedIntervalMinutes,
    ...(meter.registerMax === undefined ? {} : { registerMax: meter.registerMax }),
    ...(meter.registerResolution === undefined ? {} : { registerResolution: meter.registerResolution }),
    ...(meter.ratedMaxPerHour === undefined ? {} : { ratedMaxPerHour: meter.ratedMaxPerHour }),
    ...(ceiling === undefined ? {} : { ceilingPerHour: ceiling }),
    replacements: meter.replacements.map((r) => ({
      atMs: Date.parse(r.at),
      oldFinal: r.oldFinal,
      newInitial: r.newInitial,
    })),
  };
}

/**
 * The zone a node's calendar is cut in: its institutions' zone when they agree,
 * else the default (Asia/Shanghai); a series or report over institutions in
 * different zones must cut every meter on the same boundaries to add them up.
 */
export function timeZoneOf(institutions: readonly InstitutionConfig[]): string {
  const zones = new Set(institutions.map((i) => i.timezone));
  const [only] = zones;
  return zones.size === 1 && only !== undefined ? only : DEFAULT_TIME_ZONE;
}
