import type { Unit } from '../../src/kernel/index.js';

/**
 * Unit-typed arithmetic for factors. A kWh/MWh or kg/t mix-up (a ×1000 error) is
 * the most common bug of carbon tools (docs/methodology.md §10), so a quantity is never
 * multiplied by a factor directly: it is first converted to the factor's
 * denominator unit, and the result carries the factor's numerator unit.
 */

/** What a factor yields per unit: standard coal, CO2, or plain mass (densities). */
export const FACTOR_NUMERATORS = ['kgce', 'tce', 'kgCO2', 'tCO2', 'kg', 't'] as const;
export type FactorNumerator = (typeof FACTOR_NUMERATORS)[number];

/** A factor unit such as 'kgce/kWh', 'tCO2/t', 'kgCO2/m3', 'tCO2/MWh', 'kg/L'. */
export type FactorUnit = `${FactorNumerator}/${Unit}`;

type Dimension = 'energy' | 'mass' | 'volume' | 'coal' | 'co2';

/** Each unit's dimension and its size in the dimension's reference unit (kWh, kg, m3, kgce, kgCO2). */
const UNIT_SIZES: Record<Unit | FactorNumerator, { dimension: Dimension; size: number }> = {
  kWh: { dimension: 'energy', size: 1 },
  MWh: { dimension: 'energy', size: 1000 },
  // 1 kWh = 3.6 MJ exactly.
  MJ: { dimension: 'energy', size: 1 / 3.6 },
  GJ: { dimension: 'energy', size: 1000 / 3.6 },
  kg: { dimension: 'mass', size: 1 },
  t: { dimension: 'mass', size: 1000 },
  m3: { dimension: 'volume', size: 1 },
  L: { dimension: 'volume', size: 0.001 },
  kgce: { dimension: 'coal', size: 1 },
  tce: { dimension: 'coal', size: 1000 },
  kgCO2: { dimension: 'co2', size: 1 },
  tCO2: { dimension: 'co2', size: 1000 },
};

export function parseFactorUnit(unit: string): { numerator: FactorNumerator; denominator: Unit } | undefined {
  const [numerator, denominator, extra] = unit.split('/');
  if (extra !== undefined || numerator === undefined || denominator === undefined) return undefined;
  if (!(FACTOR_NUMERATORS as readonly string[]).includes(numerator)) return undefined;
  const size = UNIT_SIZES[denominator as Unit] as { dimension: Dimension } | undefined;
  if (size === undefined || size.dimension === 'coal' || size.dimension === 'co2') return undefined;
  return { numerator: numerator as FactorNumerator, denominator: denominator as Unit };
}

/**
 * Converts between units of one dimension (kWh ↔ MWh ↔ GJ ↔ MJ, kg ↔ t,
 * m3 ↔ L, kgce ↔ tce, kgCO2 ↔ tCO2); `undefined` across dimensions (m3 → kWh,
 * L → kg needs a density: use a density factor with `applyFactor`).
 */
export function convertQuantity(
  value: number,
  from: Unit | FactorNumerator,
  to: Unit | FactorNumerator,
): number | undefined {
  const a = UNIT_SIZES[from];
  const b = UNIT_SIZES[to];
  if (a.dimension !== b.dimension) return undefined;
  if (from === to) return value;
  return (value * a.size) / b.size;
}

export interface Quantity<U extends string = Unit> {
  readonly value: number;
  readonly unit: U;
}

export type FactorApplication =
  | { readonly ok: Quantity<FactorNumerator> }
  | { readonly error: { readonly code: 'UNIT_MISMATCH'; readonly message: string } };

/**
 * quantity × factor, in the factor's numerator unit: 2 MWh × 0.5306 kgCO2/kWh =
 * 1061.2 kgCO2; 500 kg × 3.0959 tCO2/t = 1.54795 tCO2; 100 L × 0.84 kg/L = 84 kg.
 * A quantity whose unit cannot be converted to the factor's denominator is a
 * UNIT_MISMATCH, never a silent multiplication.
 */
export function applyFactor(
  quantity: Quantity,
  factor: { readonly value: number; readonly unit: string },
): FactorApplication {
  const unit = parseFactorUnit(factor.unit);
  if (!unit)
    return { error: { code: 'UNIT_MISMATCH', message: `factor unit '${factor.unit}' is not a known factor unit` } };
  const converted = convertQuantity(quantity.value, quantity.unit, unit.denominator);
  if (converted === undefined) {
    return {
      error: {
        code: 'UNIT_MISMATCH',
        message: `a quantity in ${quantity.unit} cannot take a factor in ${factor.unit}`,
      },
    };
  }
  return { ok: { value: converted * factor.value, unit: unit.numerator } };
}
