import { CARRIER_UNITS, isUnitAllowed, type Carrier } from '../../src/kernel/index.js';
import { parseMeterExpression, unitFactor } from './virtual-meters.js';

/**
 * The part of a fleet the virtual-meter checks read. Structural, so that the
 * config's Fleet fits without accounting's core depending on config/.
 */
export interface VirtualMeterFleet {
  readonly institutions: readonly { readonly id: string }[];
  readonly buildings: readonly { readonly id: string; readonly institution: string }[];
  readonly meters: readonly {
    readonly id: string;
    readonly building: string;
    readonly carrier: Carrier;
    readonly unit: string;
  }[];
  readonly virtualMeters: readonly {
    readonly id: string;
    readonly institution: string;
    readonly carrier: Carrier;
    readonly unit: string;
    readonly expression: string;
    readonly endUse?: string | undefined;
  }[];
}

/** One problem of the fleet, with the dotted path of the offending key (the shape of a config problem). */
export interface FleetProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Virtual meters: an id unique among real and virtual meters, an expression that
 * parses (the position is 0-based), references that resolve to meters of the same
 * institution and carrier in units the kernel converts exactly, and no cycle
 * among virtual meters. Every problem is returned, not just the first; the shell
 * runs this with the config's own fleet checks (src/load-app-config.ts).
 */
export function validateVirtualMeters(fleet: VirtualMeterFleet, at = 'fleet'): FleetProblem[] {
  const problems: FleetProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path: `${at}.${path}`, message });
  const institutionIds = new Set(fleet.institutions.map((inst) => inst.id));
  const realIds = new Set(fleet.meters.map((m) => m.id));
  reportDuplicateIds(fleet.virtualMeters, 'virtualMeters', add);
  const institutionOfBuilding = new Map(fleet.buildings.map((b) => [b.id, b.institution]));
  const real = new Map(
    fleet.meters.map((m) => [
      m.id,
      { carrier: m.carrier as string, unit: m.unit, institution: institutionOfBuilding.get(m.building) },
    ]),
  );
  const virtual = new Map<string, { carrier: string; unit: string; institution: string }>();
  for (const v of fleet.virtualMeters) {
    if (!virtual.has(v.id)) virtual.set(v.id, { carrier: v.carrier, unit: v.unit, institution: v.institution });
  }
  const references = new Map<string, string[]>();

  fleet.virtualMeters.forEach((v, i) => {
    const at = `virtualMeters[${i}]`;
    if (realIds.has(v.id)) add(`${at}.id`, `"${v.id}" is already a meter id`);
    if (!institutionIds.has(v.institution)) add(`${at}.institution`, `unknown institution "${v.institution}"`);
    if (!isUnitAllowed(v.carrier, v.unit)) {
      const allowed = CARRIER_UNITS[v.carrier].join(', ');
      add(`${at}.unit`, `unit "${v.unit}" is not allowed for ${v.carrier} (allowed: ${allowed})`);
    } else if (unitFactor(v.carrier, v.unit) === undefined) {
      add(`${at}.unit`, `unit "${v.unit}" of ${v.carrier} has no exact conversion: a virtual meter cannot add it up`);
    }
    if (v.endUse !== undefined && v.endUse.startsWith('01') && v.carrier !== 'electricity') {
      add(`${at}.endUse`, `end-use ${v.endUse} is an electricity item but the meter's carrier is ${v.carrier}`);
    }
    const parsed = parseMeterExpression(v.expression);
    if ('error' in parsed) {
      add(`${at}.expression`, `${parsed.error.message} at position ${parsed.error.position}`);
      return;
    }
    if (!references.has(v.id))
      references.set(
        v.id,
        parsed.ok.terms.map((t) => t.meterId),
      );
    for (const term of parsed.ok.terms) {
      const ref = real.get(term.meterId) ?? virtual.get(term.meterId);
      const where = `"${term.meterId}" (position ${term.position})`;
      if (ref === undefined) add(`${at}.expression`, `unknown meter ${where}`);
      else if (term.meterId === v.id)
        continue; // reported as a cycle below
      else if (ref.carrier !== v.carrier) {
        add(`${at}.expression`, `meter ${where} meters ${ref.carrier}, this virtual meter ${v.carrier}`);
      } else if (unitFactor(ref.carrier, ref.unit) === undefined) {
        const why = `is metered in ${ref.unit}, which has no exact conversion for ${ref.carrier}`;
        add(`${at}.expression`, `meter ${where} ${why}`);
      } else if (ref.institution !== undefined && ref.institution !== v.institution) {
        add(`${at}.expression`, `meter ${where} belongs to institution "${ref.institution}", not "${v.institution}"`);
      }
    }
  });

  // A cycle: a virtual meter that reaches itself through virtual meters.
  const reported = new Set<string>();
  fleet.virtualMeters.forEach((v, i) => {
    if (reported.has(v.id)) return;
    const cycle = findCycle(v.id, (id) => (references.get(id) ?? []).filter((r) => virtual.has(r)));
    if (cycle !== undefined) {
      cycle.forEach((id) => reported.add(id));
      add(`virtualMeters[${i}].expression`, `cycle among virtual meters: ${cycle.join(' → ')}`);
    }
  });
  return problems;
}

/** A path from `start` back to itself, if there is one (depth first). */
function findCycle(start: string, next: (id: string) => readonly string[]): string[] | undefined {
  const visited = new Set<string>();
  const walk = (id: string, path: readonly string[]): string[] | undefined => {
    for (const n of next(id)) {
      if (n === start) return [...path, n];
      if (visited.has(n)) continue;
      visited.add(n);
      const found = walk(n, [...path, n]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(start, [start]);
}

function reportDuplicateIds(items: readonly { id: string }[], path: string, add: (p: string, m: string) => void) {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.id);
    if (first !== undefined) add(`${path}[${i}].id`, `duplicate id "${item.id}" (first at ${path}[${first}])`);
    else seen.set(item.id, i);
  });
}
