/**
 * A small fleet for end-to-end tests: one institution, `meters` electricity
 * meters named m000, m001, … plus the YAML that configures the service with it.
 */
export function testFleet(meters: number) {
  return {
    orgs: [{ id: 'nx', name: '宁夏回族自治区', level: 'region' }],
    institutions: [
      {
        id: 'inst1',
        name: '测试行政中心',
        org: 'nx',
        type: 'government_office',
        floorAreaM2: [{ from: '2020-01-01', value: 10000 }],
        occupants: [{ from: '2020-01-01', value: 500 }],
      },
    ],
    buildings: [{ id: 'b1', institution: 'inst1', name: '主楼' }],
    meters: Array.from({ length: meters }, (_, i) => ({
      id: meterId(i),
      building: 'b1',
      carrier: 'electricity',
      unit: 'kWh',
    })),
  };
}

export function meterId(i: number): string {
  return `m${String(i).padStart(3, '0')}`;
}

/** Device time of reading `seq` of a test meter: 15-minute steps from 2026-01-01 (always in the past). */
export function readingTsMs(seq: number): number {
  return Date.UTC(2026, 0, 1) + seq * 900_000;
}

/** A register value derived from meter and seq, so the stored value can be checked exactly. */
export function readingValue(meter: number, seq: number): number {
  return meter * 100_000 + seq * 1.25;
}
