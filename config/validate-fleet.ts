import { isUnitAllowed, CARRIER_UNITS } from '../src/kernel/index.js';
import type { Fleet } from './fleet-schema.js';

/** One problem of a configuration, with the dotted path of the offending key. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Checks what a schema cannot: unique ids, references that resolve, no cycles in
 * the organisation and meter trees, units that fit the carrier, positive areas.
 * Returns every problem found, not just the first.
 */
export function validateFleet(fleet: Fleet, at = 'fleet'): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path: `${at}.${path}`, message });

  const orgIds = uniqueIds(fleet.orgs, 'orgs', add);
  const institutionIds = uniqueIds(fleet.institutions, 'institutions', add);
  const buildingIds = uniqueIds(fleet.buildings, 'buildings', add);
  const meterIds = uniqueIds(fleet.meters, 'meters', add);

  fleet.orgs.forEach((org, i) => {
    if (org.parent !== undefined && !orgIds.has(org.parent)) add(`orgs[${i}].parent`, `unknown organisation unit "${org.parent}"`);
  });
  reportCycles(fleet.orgs, 'orgs', 'organisation tree', add);

  fleet.institutions.forEach((inst, i) => {
    if (!orgIds.has(inst.org)) add(`institutions[${i}].org`, `unknown organisation unit "${inst.org}"`);
    if (orgIds.has(inst.id)) add(`institutions[${i}].id`, `"${inst.id}" is already an organisation unit id`);
    if (!isValidTimeZone(inst.timezone)) add(`institutions[${i}].timezone`, `unknown time zone "${inst.timezone}"`);
    checkDated(inst.floorAreaM2, `institutions[${i}].floorAreaM2`, 'floor area must be > 0 m²', add);
    checkDated(inst.occupants, `institutions[${i}].occupants`, 'occupants must be > 0', add);
  });

  fleet.buildings.forEach((b, i) => {
    if (!institutionIds.has(b.institution)) add(`buildings[${i}].institution`, `unknown institution "${b.institution}"`);
  });

  const codecKeys = new Map<string, number>();
  fleet.meters.forEach((m, i) => {
    if (!buildingIds.has(m.building)) add(`meters[${i}].building`, `unknown building "${m.building}"`);
    if (!isUnitAllowed(m.carrier, m.unit)) {
      add(`meters[${i}].unit`, `unit "${m.unit}" is not allowed for ${m.carrier} (allowed: ${CARRIER_UNITS[m.carrier].join(', ')})`);
    }
    if (m.parent !== undefined) {
      if (!meterIds.has(m.parent)) add(`meters[${i}].parent`, `unknown meter "${m.parent}"`);
      else {
        const parent = fleet.meters.find((p) => p.id === m.parent);
        if (parent && parent.carrier !== m.carrier) {
          add(`meters[${i}].parent`, `parent meter "${m.parent}" meters ${parent.carrier}, this meter ${m.carrier}`);
        }
      }
    }
    if (m.endUse !== undefined && m.endUse.startsWith('01') && m.carrier !== 'electricity') {
      add(`meters[${i}].endUse`, `end-use ${m.endUse} is an electricity item but the meter's carrier is ${m.carrier}`);
    }
    if (m.register === 'interval' && m.registerMax !== undefined) {
      add(`meters[${i}].registerMax`, 'an interval meter has no register to roll over');
    }
    const key = m.codec.kind === 'senml' ? `senml:${m.codec.name}` : m.codec.kind === 'tasmota' ? `tasmota:${m.codec.device}` : undefined;
    if (key !== undefined) {
      const first = codecKeys.get(key);
      if (first !== undefined) add(`meters[${i}].codec`, `${key} is already used by meters[${first}]`);
      else codecKeys.set(key, i);
    }
    m.replacements.forEach((r, j) => {
      if (m.registerMax !== undefined && (r.oldFinal > m.registerMax || r.newInitial > m.registerMax)) {
        add(`meters[${i}].replacements[${j}]`, 'readings exceed the register maximum');
      }
    });
  });
  reportCycles(fleet.meters, 'meters', 'meter tree', add);

  return problems;
}

function uniqueIds(items: readonly { id: string }[], path: string, add: (p: string, m: string) => void): Set<string> {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.id);
    if (first !== undefined) add(`${path}[${i}].id`, `duplicate id "${item.id}" (first at ${path}[${first}])`);
    else seen.set(item.id, i);
  });
  return new Set(seen.keys());
}

function reportCycles(items: readonly { id: string; parent?: string | undefined }[], path: string, what: string, add: (p: string, m: string) => void) {
  // The first item of an id counts (a duplicate id is reported on its own).
  const parentOf = new Map<string, string | undefined>();
  for (const item of items) if (!parentOf.has(item.id)) parentOf.set(item.id, item.parent);
  const reported = new Set<string>();
  items.forEach((item, i) => {
    if (parentOf.get(item.id) !== item.parent) return;
    const chain: string[] = [];
    let current: string | undefined = item.id;
    while (current !== undefined && !chain.includes(current)) {
      chain.push(current);
      current = parentOf.get(current);
    }
    if (current === item.id && !reported.has(item.id)) {
      chain.forEach((idInCycle) => reported.add(idInCycle));
      add(`${path}[${i}].parent`, `cycle in the ${what}: ${[...chain, item.id].join(' → ')}`);
    }
  });
}

function checkDated(entries: readonly { from: string; value: number }[], path: string, positiveMessage: string, add: (p: string, m: string) => void) {
  entries.forEach((e, j) => {
    if (!(e.value > 0)) add(`${path}[${j}].value`, positiveMessage);
    if (Number.isNaN(Date.parse(`${e.from}T00:00:00Z`))) add(`${path}[${j}].from`, `"${e.from}" is not a calendar date`);
    const previous = entries[j - 1];
    if (previous && previous.from >= e.from) add(`${path}[${j}].from`, 'dates must increase');
  });
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
