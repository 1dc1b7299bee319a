import { isUnitAllowed, CARRIER_UNITS } from '../src/kernel/index.js';
import { BASELINE_INDICATORS, type Fleet } from './fleet-schema.js';

/** One problem of a configuration, with the dotted path of the offending key. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Checks what a schema cannot: unique ids, references that resolve, no cycles in
 * the organisation and meter trees, units that fit the carrier, positive areas.
 * Returns every problem found, not just the first. Virtual-meter expressions are
 * accounting's to judge (accounting/core/validate-virtual-meters.ts); the shell
 * runs both through loadConfig's fleetChecks (src/load-app-config.ts).
 */
export function validateFleet(fleet: Fleet, at = 'fleet'): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path: `${at}.${path}`, message });

  const orgIds = uniqueIds(fleet.orgs, 'orgs', add);
  const institutionIds = uniqueIds(fleet.institutions, 'institutions', add);
  const buildingIds = uniqueIds(fleet.buildings, 'buildings', add);
  const meterIds = uniqueIds(fleet.meters, 'meters', add);

  fleet.orgs.forEach((org, i) => {
    if (org.parent !== undefined && !orgIds.has(org.parent))
      add(`orgs[${i}].parent`, `unknown organisation unit "${org.parent}"`);
  });
  reportCycles(fleet.orgs, 'orgs', 'organisation tree', add);

  const instrumentIds = new Map<string, string>();
  fleet.institutions.forEach((inst, i) => {
    if (!orgIds.has(inst.org)) add(`institutions[${i}].org`, `unknown organisation unit "${inst.org}"`);
    if (orgIds.has(inst.id)) add(`institutions[${i}].id`, `"${inst.id}" is already an organisation unit id`);
    if (!isValidTimeZone(inst.timezone)) add(`institutions[${i}].timezone`, `unknown time zone "${inst.timezone}"`);
    checkDated(inst.floorAreaM2, `institutions[${i}].floorAreaM2`, 'floor area must be > 0 m²', add);
    checkDated(inst.occupants, `institutions[${i}].occupants`, 'occupants must be > 0', add);
    checkAccounting(inst, `institutions[${i}]`, instrumentIds, add);
  });

  fleet.buildings.forEach((b, i) => {
    if (!institutionIds.has(b.institution))
      add(`buildings[${i}].institution`, `unknown institution "${b.institution}"`);
  });

  const codecKeys = new Map<string, number>();
  fleet.meters.forEach((m, i) => {
    if (!buildingIds.has(m.building)) add(`meters[${i}].building`, `unknown building "${m.building}"`);
    if (!isUnitAllowed(m.carrier, m.unit)) {
      add(
        `meters[${i}].unit`,
        `unit "${m.unit}" is not allowed for ${m.carrier} (allowed: ${CARRIER_UNITS[m.carrier].join(', ')})`,
      );
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
    if (m.behindMeter !== undefined) {
      const target = fleet.meters.find((t) => t.id === m.behindMeter);
      const institutionOf = (buildingId: string) => fleet.buildings.find((b) => b.id === buildingId)?.institution;
      if (m.carrier !== 'pv_generation')
        add(`meters[${i}].behindMeter`, 'only a pv_generation meter feeds in behind another meter');
      else if (target === undefined) add(`meters[${i}].behindMeter`, `unknown meter "${m.behindMeter}"`);
      else if (target.carrier !== 'electricity')
        add(`meters[${i}].behindMeter`, `meter "${m.behindMeter}" meters ${target.carrier}, not electricity`);
      else if (institutionOf(target.building) !== institutionOf(m.building))
        add(`meters[${i}].behindMeter`, `meter "${m.behindMeter}" belongs to another institution`);
    }
    if (m.endUse !== undefined && m.endUse.startsWith('01') && m.carrier !== 'electricity') {
      add(`meters[${i}].endUse`, `end-use ${m.endUse} is an electricity item but the meter's carrier is ${m.carrier}`);
    }
    if (m.register === 'interval' && m.registerMax !== undefined) {
      add(`meters[${i}].registerMax`, 'an interval meter has no register to roll over');
    }
    const key =
      m.codec.kind === 'senml'
        ? `senml:${m.codec.name}`
        : m.codec.kind === 'tasmota'
          ? `tasmota:${m.codec.device}`
          : undefined;
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

function reportCycles(
  items: readonly { id: string; parent?: string | undefined }[],
  path: string,
  what: string,
  add: (p: string, m: string) => void,
) {
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

function checkDated(
  entries: readonly { from: string; value: number }[],
  path: string,
  positiveMessage: string,
  add: (p: string, m: string) => void,
) {
  entries.forEach((e, j) => {
    if (!(e.value > 0)) add(`${path}[${j}].value`, positiveMessage);
    if (Number.isNaN(Date.parse(`${e.from}T00:00:00Z`)))
      add(`${path}[${j}].from`, `"${e.from}" is not a calendar date`);
    const previous = entries[j - 1];
    if (previous && previous.from >= e.from) add(`${path}[${j}].from`, 'dates must increase');
  });
}

/**
 * Baseline, targets and green instruments: a target needs a baseline with a value
 * for its indicator and a year after the baseline's; instruments have unique ids
 * across the fleet, positive energy, and a retirement date only if retired.
 */
function checkAccounting(
  inst: Fleet['institutions'][number],
  path: string,
  instrumentIds: Map<string, string>,
  add: (p: string, m: string) => void,
) {
  const { baseline } = inst;
  if (baseline !== undefined && BASELINE_INDICATORS.every((indicator) => baseline[indicator] === undefined)) {
    add(`${path}.baseline`, `a baseline needs at least one indicator value (${BASELINE_INDICATORS.join(', ')})`);
  }
  const seen = new Set<string>();
  (inst.targets ?? []).forEach((t, j) => {
    const at = `${path}.targets[${j}]`;
    if (baseline === undefined) add(at, 'a target needs a baseline (institutions[].baseline)');
    else {
      if (t.byYear <= baseline.year)
        add(`${at}.byYear`, `the target year ${t.byYear} must be after the baseline year ${baseline.year}`);
      if (baseline[t.indicator] === undefined)
        add(`${at}.indicator`, `the baseline has no ${t.indicator} value to measure the target against`);
    }
    const key = `${t.indicator}|${t.byYear}`;
    if (seen.has(key)) add(at, `a second ${t.indicator} target for ${t.byYear}`);
    seen.add(key);
  });
  (inst.greenInstruments ?? []).forEach((g, j) => {
    const at = `${path}.greenInstruments[${j}]`;
    const first = instrumentIds.get(g.id);
    if (first !== undefined) add(`${at}.id`, `duplicate instrument id "${g.id}" (first at ${first})`);
    else instrumentIds.set(g.id, at);
    if (!(g.energyKwh > 0)) add(`${at}.energyKwh`, 'an instrument covers more than 0 kWh');
    if (g.retiredOn !== undefined && !g.retired)
      add(`${at}.retiredOn`, 'a retirement date is given but retired is false');
    if (g.retiredOn !== undefined && Number.isNaN(Date.parse(`${g.retiredOn}T00:00:00Z`)))
      add(`${at}.retiredOn`, `"${g.retiredOn}" is not a calendar date`);
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
