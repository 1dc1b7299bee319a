import { describe, expect, it } from 'vitest';
import { actionsOf, compareAlerts, mergeAlerts, needsJustification } from './alert-order.js';
import type { Alert } from './ops-api.js';

function alert(id: string, severity: Alert['severity'], openedAt: string, state: Alert['state'] = 'open'): Alert {
  return {
    id,
    rule: 'meter_offline',
    subject: { kind: 'meter', id: 'm1' },
    severity,
    state,
    openedAt,
    since: openedAt,
    measured: { value: 1, threshold: 1, unit: 'min' },
    summary: { en: id, zh: id },
    acknowledged: null,
    resolved: null,
  };
}

describe('alert order', () => {
  it('puts the most severe first, then the newest', () => {
    const old = alert('a', 'critical', '2026-11-01T00:00:00Z');
    const recent = alert('b', 'critical', '2026-11-02T00:00:00Z');
    const warning = alert('c', 'warning', '2026-11-03T00:00:00Z');
    const info = alert('d', 'info', '2026-11-04T00:00:00Z');
    expect([info, old, warning, recent].sort(compareAlerts).map((a) => a.id)).toEqual(['b', 'a', 'c', 'd']);
  });

  it('breaks ties by id, so the order is the same on every load', () => {
    const x = alert('x', 'warning', '2026-11-01T00:00:00Z');
    const y = alert('y', 'warning', '2026-11-01T00:00:00Z');
    expect([y, x].sort(compareAlerts).map((a) => a.id)).toEqual(['x', 'y']);
  });

  it('merges the pages of several states, each alert once, the later page winning', () => {
    const first = alert('a', 'info', '2026-11-01T00:00:00Z', 'open');
    const again = alert('a', 'info', '2026-11-01T00:00:00Z', 'acknowledged');
    const other = alert('b', 'critical', '2026-10-01T00:00:00Z');
    const merged = mergeAlerts([first], [again, other]);
    expect(merged.map((a) => [a.id, a.state])).toEqual([
      ['b', 'open'],
      ['a', 'acknowledged'],
    ]);
  });
});

describe('alert actions', () => {
  it('asks for a justification on the quota rules only', () => {
    expect(needsJustification('quota_prorated')).toBe(true);
    expect(needsJustification('quota_annual')).toBe(true);
    expect(needsJustification('quota_projection')).toBe(true);
    expect(needsJustification('meter_offline')).toBe(false);
    expect(needsJustification('baseline_anomaly')).toBe(false);
  });

  it('offers acknowledge until acknowledged and resolve until resolved', () => {
    const at = '2026-11-01T00:00:00Z';
    expect(actionsOf(alert('a', 'info', at, 'open'))).toEqual({ acknowledge: true, resolve: true });
    expect(actionsOf(alert('a', 'info', at, 'notified'))).toEqual({ acknowledge: true, resolve: true });
    expect(actionsOf(alert('a', 'info', at, 'acknowledged'))).toEqual({ acknowledge: false, resolve: true });
    expect(actionsOf(alert('a', 'info', at, 'resolved'))).toEqual({ acknowledge: false, resolve: false });
  });
});
