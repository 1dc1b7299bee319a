import { describe, expect, it } from 'vitest';
import { alertIdOf, deriveAlerts, type AlertEvent } from './alert-events.js';
import type { RuleFinding } from './alert-types.js';

const finding: RuleFinding = {
  rule: 'meter_offline',
  subject: { kind: 'meter', id: 'm1' },
  window: '2026-11-30T08:00:00Z',
  verdict: 'raise',
  severity: 'critical',
  measured: { value: 3, threshold: 2, unit: 'intervals' },
  sinceMs: 1_000,
  details: {},
  summary: { en: 'm1 is silent', zh: 'm1 无读数' },
};
const id = alertIdOf(finding);

describe('deriveAlerts', () => {
  it('walks an alert through its states, ignoring repeats and events before it opened', () => {
    const events: AlertEvent[] = [
      { alertId: id, kind: 'notified', atMs: 500, actor: 'system', recipients: ['early@example.org'] },
      { alertId: id, kind: 'opened', atMs: 1_000, actor: 'system', finding },
      { alertId: id, kind: 'opened', atMs: 1_500, actor: 'system', finding },
      { alertId: id, kind: 'notified', atMs: 2_000, actor: 'system', recipients: ['officer@example.org'] },
      { alertId: id, kind: 'acknowledged', atMs: 3_000, actor: 'li', text: 'gateway power cut' },
      { alertId: id, kind: 'acknowledged', atMs: 3_500, actor: 'wang', text: 'second' },
    ];
    const [alert] = deriveAlerts(events);
    expect(id).toBe('meter_offline:meter:m1:2026-11-30T08:00:00Z');
    expect(alert?.state).toBe('acknowledged');
    expect(alert?.notified).toEqual({ atMs: 2_000, recipients: ['officer@example.org'] });
    expect(alert?.acknowledged).toEqual({ atMs: 3_000, by: 'li', justification: 'gateway power cut' });
    expect(alert?.events.map((e) => e.kind)).toEqual(['opened', 'notified', 'acknowledged']);

    const resolved = deriveAlerts([
      ...events,
      { alertId: id, kind: 'resolved', atMs: 4_000, actor: 'system', finding: { ...finding, verdict: 'clear' } },
      { alertId: id, kind: 'notified', atMs: 5_000, actor: 'system' },
    ])[0];
    expect(resolved?.state).toBe('resolved');
    expect(resolved?.resolved).toEqual({ atMs: 4_000, by: 'system', note: undefined });
    expect(resolved?.events.map((e) => e.kind)).toEqual(['opened', 'notified', 'acknowledged', 'resolved']);
  });

  it('derives nothing for events of an alert that never opened', () => {
    expect(deriveAlerts([{ alertId: id, kind: 'acknowledged', atMs: 1, actor: 'li', text: 'x' }])).toEqual([]);
  });
});
