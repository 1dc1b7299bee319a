import { describe, expect, it } from 'vitest';
import { isOffline, lastReadings, orderMeters, raisedFindings, subtreeOf } from './meter-order.js';
import type { HealthFinding, Meter, MeterHealth, OrgNode } from './ops-api.js';

function meter(id: string, state: Meter['state'] = 'reporting'): Meter {
  return {
    id,
    name: null,
    building: 'b',
    institution: 'i',
    carrier: 'electricity',
    unit: 'kWh',
    expectedIntervalMinutes: 15,
    lastReadingAt: null,
    readings: 0,
    state,
  };
}

function finding(rule: string, verdict: HealthFinding['verdict'], severity: HealthFinding['severity']): HealthFinding {
  return {
    rule,
    alertId: `${rule}:x`,
    verdict,
    severity,
    measured: { value: 0, threshold: 0, unit: '' },
    since: '2026-11-01T00:00:00Z',
    summary: { en: rule, zh: rule },
  };
}

const health = (id: string, ...findings: HealthFinding[]): MeterHealth => ({ meter: id, at: '', findings });

describe('subtreeOf', () => {
  const orgs: OrgNode[] = [
    { id: 'nx', name: '', level: 'region', parent: null, kind: 'org' },
    { id: 'city', name: '', level: 'city', parent: 'nx', kind: 'org' },
    { id: 'county', name: '', level: 'county', parent: 'city', kind: 'org' },
    { id: 'inst', name: '', level: 'institution', parent: 'county', kind: 'institution' },
    { id: 'other', name: '', level: 'city', parent: 'nx', kind: 'org' },
  ];

  it('holds the node and its descendants only', () => {
    expect([...subtreeOf(orgs, 'city')].sort()).toEqual(['city', 'county', 'inst']);
    expect([...subtreeOf(orgs, 'inst')]).toEqual(['inst']);
    expect(subtreeOf(orgs, 'nx').size).toBe(5);
  });
});

describe('meter order', () => {
  it('counts a raised meter_offline finding or a late registry state as offline', () => {
    expect(isOffline(meter('a'), health('a', finding('meter_offline', 'raise', 'critical')))).toBe(true);
    expect(isOffline(meter('a', 'late'), undefined)).toBe(true);
    expect(isOffline(meter('a', 'never_reported'), undefined)).toBe(true);
    expect(isOffline(meter('a'), health('a', finding('meter_offline', 'clear', 'critical')))).toBe(false);
  });

  it('puts offline meters first, then meters with raised findings, then the rest by id', () => {
    const meters = [meter('d'), meter('c'), meter('b', 'late'), meter('a')];
    const map = new Map([
      ['c', health('c', finding('stuck_register', 'raise', 'warning'))],
      ['a', health('a', finding('stuck_register', 'hold', 'warning'))],
    ]);
    expect(orderMeters(meters, map).map((m) => m.id)).toEqual(['b', 'c', 'a', 'd']);
  });

  it('lists raised findings only, most severe first', () => {
    const h = health(
      'a',
      finding('sequence_gap', 'raise', 'info'),
      finding('meter_offline', 'clear', 'critical'),
      finding('stuck_register', 'raise', 'critical'),
    );
    expect(raisedFindings(h).map((f) => f.rule)).toEqual(['stuck_register', 'sequence_gap']);
  });

  it('takes the last readings newest first', () => {
    expect(lastReadings([1, 2, 3, 4], 2)).toEqual([4, 3]);
    expect(lastReadings([1], 5)).toEqual([1]);
  });
});
