/**
 * Energy carriers and the units each may be metered in. Units are explicit
 * strings everywhere (a kWh/MWh mix-up is the most common bug of carbon tools),
 * and conversions go through `toBaseUnit` only.
 */
export const CARRIERS = [
  'electricity',
  'water',
  'natural_gas',
  'district_heat',
  'diesel',
  'gasoline',
  'lpg',
  'coal',
  'pv_generation',
] as const;
export type Carrier = (typeof CARRIERS)[number];

export const UNITS = ['kWh', 'MWh', 'm3', 't', 'kg', 'L', 'GJ', 'MJ'] as const;
export type Unit = (typeof UNITS)[number];

/** The units a carrier may be metered in; the first is the carrier's base unit. */
export const CARRIER_UNITS: Record<Carrier, readonly Unit[]> = {
  electricity: ['kWh', 'MWh'],
  pv_generation: ['kWh', 'MWh'],
  water: ['m3', 't'],
  natural_gas: ['m3'],
  district_heat: ['GJ', 'MJ', 'kWh', 'MWh'],
  diesel: ['kg', 't', 'L'],
  gasoline: ['kg', 't', 'L'],
  lpg: ['kg', 't'],
  coal: ['kg', 't'],
};

/** Factor from a unit to the carrier's base unit, where the conversion is exact. */
const TO_BASE: Partial<Record<Carrier, Partial<Record<Unit, number>>>> = {
  electricity: { kWh: 1, MWh: 1000 },
  pv_generation: { kWh: 1, MWh: 1000 },
  water: { m3: 1, t: 1 },
  natural_gas: { m3: 1 },
  district_heat: { GJ: 1, MJ: 0.001, kWh: 0.0036, MWh: 3.6 },
  diesel: { kg: 1, t: 1000 },
  gasoline: { kg: 1, t: 1000 },
  lpg: { kg: 1, t: 1000 },
  coal: { kg: 1, t: 1000 },
};

export function isUnitAllowed(carrier: Carrier, unit: string): unit is Unit {
  return (CARRIER_UNITS[carrier] as readonly string[]).includes(unit);
}

export function baseUnitOf(carrier: Carrier): Unit {
  const unit = CARRIER_UNITS[carrier][0];
  if (unit === undefined) throw new Error(`carrier ${carrier} has no units`);
  return unit;
}

/**
 * Converts a quantity to the carrier's base unit. Litres of liquid fuel have no
 * exact conversion (it needs a density): the caller gets `undefined` and must
 * use a configured density instead.
 */
export function toBaseUnit(carrier: Carrier, unit: Unit, quantity: number): number | undefined {
  const factor = TO_BASE[carrier]?.[unit];
  return factor === undefined ? undefined : quantity * factor;
}
