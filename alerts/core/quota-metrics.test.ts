import { describe, expect, it } from 'vitest';
import { quotaDenominator, quotaNumerator, type QuotaReportFigures } from './quota-metrics.js';

// A report summary's parts, made by hand: 1 000 kWh of grid electricity (122.9 kgce, 600 kg CO2e),
// its market line (the same energy again, never counted), 100 m³ of gas and 50 m³ of water;
// 400 kWh of the electricity metered as lighting (01A00).
const figures: QuotaReportFigures = {
  lines: [
    { carrier: 'electricity', method: 'location', consumption: 1000, kgce: 122.9, co2eKg: 600 },
    { carrier: 'electricity', method: 'market', consumption: 1000, kgce: null, co2eKg: 500 },
    { carrier: 'natural_gas', method: 'combustion', consumption: 100, kgce: 121.4, co2eKg: 216.2 },
    { carrier: 'water', method: 'resource', consumption: 50, kgce: null, co2eKg: null },
  ],
  totals: { kgce: 244.3, co2eKg: 816.2 },
  waterM3: 50,
  denominators: { floorAreaM2: 200, occupants: null },
  endUses: [
    { carrier: 'electricity', endUse: '01A00', consumption: 400 },
    { carrier: 'electricity', endUse: null, consumption: 600 },
  ],
  readings: { received: 10, expected: 10 },
};

describe('quota metrics', () => {
  it("take the report's totals for the whole institution", () => {
    expect(quotaNumerator(figures, 'tce', 'total')).toBe(244.3);
    expect(quotaNumerator(figures, 'co2_t', 'total')).toBe(816.2);
    expect(quotaNumerator(figures, 'water_m3_per_person', 'total')).toBe(50);
  });

  it("take a carrier's lines without the market line, and a 分项 item's share of its carrier", () => {
    expect(quotaNumerator(figures, 'tce', 'electricity')).toBe(122.9);
    expect(quotaNumerator(figures, 'co2_t', 'electricity')).toBe(600);
    expect(quotaNumerator(figures, 'kgce_per_m2', '01A00')).toBeCloseTo(122.9 * 0.4, 12);
    expect(quotaNumerator(figures, 'water_m3_per_person', 'water')).toBe(50);
  });

  it('divide by the denominator the metric names, and have none where the report has none', () => {
    expect(quotaDenominator(figures, 'tce')).toBe(1);
    expect(quotaDenominator(figures, 'kgce_per_m2')).toBe(200);
    expect(quotaDenominator(figures, 'kgce_per_person')).toBeNull();
  });
});
