import type { Building, Fleet, Institution, Meter, OrgUnit } from './fleet-schema.js';

/**
 * Read-only lookups over a validated fleet: meters by id and by codec address,
 * each meter's building, institution and time zone, and the organisation tree.
 */
export interface FleetRegistry {
  readonly fleet: Fleet;
  meter(id: string): Meter | undefined;
  meters(): readonly Meter[];
  buildingOf(meter: Meter): Building;
  institutionOf(meter: Meter): Institution;
  institution(id: string): Institution | undefined;
  org(id: string): OrgUnit | undefined;
  /** Ingest's view of a meter (see ingest's MeterDirectory). */
  byId(id: string): MeterView | undefined;
  bySenmlName(name: string): MeterView | undefined;
  byTasmotaDevice(device: string): MeterView | undefined;
}

export interface MeterView {
  readonly id: string;
  readonly carrier: Meter['carrier'];
  readonly unit: string;
  readonly timeZone: string;
}

export function createFleetRegistry(fleet: Fleet): FleetRegistry {
  const meters = new Map(fleet.meters.map((m) => [m.id, m]));
  const buildings = new Map(fleet.buildings.map((b) => [b.id, b]));
  const institutions = new Map(fleet.institutions.map((i) => [i.id, i]));
  const orgs = new Map(fleet.orgs.map((o) => [o.id, o]));

  const buildingOf = (meter: Meter) => must(buildings.get(meter.building), `building ${meter.building}`);
  const institutionOf = (meter: Meter) =>
    must(institutions.get(buildingOf(meter).institution), `institution of ${meter.id}`);
  const views = new Map<string, MeterView>(
    fleet.meters.map((m) => [
      m.id,
      { id: m.id, carrier: m.carrier, unit: m.unit, timeZone: institutionOf(m).timezone },
    ]),
  );
  const senml = new Map<string, MeterView>();
  const tasmota = new Map<string, MeterView>();
  for (const m of fleet.meters) {
    const view = views.get(m.id);
    if (!view) continue;
    if (m.codec.kind === 'senml') senml.set(m.codec.name, view);
    if (m.codec.kind === 'tasmota') tasmota.set(m.codec.device, view);
  }

  return {
    fleet,
    meter: (id) => meters.get(id),
    meters: () => fleet.meters,
    buildingOf,
    institutionOf,
    institution: (id) => institutions.get(id),
    org: (id) => orgs.get(id),
    byId: (id) => views.get(id),
    bySenmlName: (name) => senml.get(name),
    byTasmotaDevice: (device) => tasmota.get(device),
  };
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`fleet registry: missing ${what} (the fleet was not validated?)`);
  return value;
}
