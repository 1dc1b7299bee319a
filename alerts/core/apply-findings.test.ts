import { describe, expect, it } from 'vitest';
import { alertIdOf, deriveAlerts, type AlertEvent } from './alert-events.js';
import type { AlertRule, FindingVerdict, RuleFinding } from './alert-types.js';
import { applyFindings } from './apply-findings.js';

function finding(rule: AlertRule, subjectId: string, window: string, verdict: FindingVerdict, value = 1): RuleFinding {
  return {
    rule,
    subject: { kind: rule.startsWith('quota') ? 'institution' : 'meter', id: subjectId },
    window,
    verdict,
    severity: 'warning',
    measured: { value, threshold: 80, unit: '%' },
    sinceMs: 0,
    details: {},
    summary: { en: `${rule} ${subjectId}`, zh: `${rule} ${subjectId}` },
  };
}

/** Runs the lifecycle over evaluations in order, as run-checks does with a store. */
function replay(evaluations: readonly { atMs: number; findings: readonly RuleFinding[] }[]): AlertEvent[] {
  const log: AlertEvent[] = [];
  for (const { atMs, findings } of evaluations) log.push(...applyFindings(deriveAlerts(log), findings, atMs));
  return log;
}

describe('applyFindings', () => {
  it('opens an alert on raise, once per (rule, subject, window), and never reopens it in that window', () => {
    const raise = finding('meter_offline', 'm1', 'w1', 'raise');
    const log = replay([
      { atMs: 1_000, findings: [raise, raise] },
      { atMs: 2_000, findings: [raise] },
      { atMs: 3_000, findings: [finding('meter_offline', 'm1', 'w1', 'clear')] },
      { atMs: 4_000, findings: [raise] },
    ]);
    expect(log.map((e) => [e.kind, e.atMs, e.alertId])).toEqual([
      ['opened', 1_000, alertIdOf(raise)],
      ['resolved', 3_000, alertIdOf(raise)],
    ]);
    expect(log[0]?.finding).toEqual(raise);
    expect(log[1]?.actor).toBe('system');
    expect(log[1]?.finding?.verdict).toBe('clear');
  });

  it('resolves on clear only rules that resolve themselves; the others wait for a person', () => {
    const log = replay([
      {
        atMs: 1_000,
        findings: [finding('stuck_register', 'm1', 'w', 'raise'), finding('sequence_gap', 'm1', 'w', 'raise')],
      },
      {
        atMs: 2_000,
        findings: [finding('stuck_register', 'm1', 'w', 'clear'), finding('sequence_gap', 'm1', 'w', 'clear')],
      },
    ]);
    const alerts = deriveAlerts(log);
    expect(alerts.map((a) => [a.rule, a.state])).toEqual([
      ['sequence_gap', 'open'],
      ['stuck_register', 'resolved'],
    ]);
  });

  it("resolves a subject's open alerts of every window on clear, but not one a raise or hold keeps", () => {
    const log = replay([
      { atMs: 1_000, findings: [finding('baseline_anomaly', 'm1', 'd1', 'raise')] },
      { atMs: 2_000, findings: [finding('baseline_anomaly', 'm1', 'd2', 'raise')] },
      {
        atMs: 3_000,
        findings: [finding('baseline_anomaly', 'm1', 'd3', 'clear'), finding('baseline_anomaly', 'm1', 'd2', 'hold')],
      },
      { atMs: 4_000, findings: [finding('baseline_anomaly', 'm2', 'd3', 'clear')] },
    ]);
    expect(deriveAlerts(log).map((a) => [a.window, a.state, a.resolved?.atMs])).toEqual([
      ['d1', 'resolved', 3_000],
      ['d2', 'open', undefined],
    ]);
  });

  it('changes nothing on hold, and nothing for a clear of a subject without alerts', () => {
    expect(applyFindings([], [finding('clock_skew', 'm1', 'w', 'hold')], 1)).toEqual([]);
    expect(applyFindings([], [finding('clock_skew', 'm1', 'w', 'clear')], 1)).toEqual([]);
  });

  it('does not resolve an acknowledged alert twice, nor one a person already resolved', () => {
    const raise = finding('meter_offline', 'm1', 'w', 'raise');
    const id = alertIdOf(raise);
    const log: AlertEvent[] = [
      { alertId: id, kind: 'opened', atMs: 1_000, actor: 'system', finding: raise },
      { alertId: id, kind: 'resolved', atMs: 2_000, actor: 'li', text: 'meter replaced' },
    ];
    expect(applyFindings(deriveAlerts(log), [finding('meter_offline', 'm1', 'w', 'clear')], 3_000)).toEqual([]);
  });

  it('raises one alert, not a flapping series, for a value hovering around its threshold', () => {
    // A rule with hysteresis: raise at >= 80 %, clear below 75 %, hold in between. Its window is
    // the start of the excursion (as for conditions without a calendar period), so without the
    // band each dip under 80 would end the alert and each rise open a new one.
    const values = [70, 79, 80.5, 79.8, 80.2, 79.9, 81, 76, 80.1, 74, 70, 82];
    const hysteresis = (raiseAt: number, clearBelow: number) =>
      values.map((value, i) => {
        let start = -1;
        let raised = false;
        for (let j = 0; j <= i; j++) {
          const v = values[j] ?? 0;
          if (v >= raiseAt && !raised) [raised, start] = [true, j];
          else if (v < clearBelow) raised = false;
        }
        const verdict: FindingVerdict = raised ? (value >= raiseAt ? 'raise' : 'hold') : 'clear';
        return { atMs: (i + 1) * 1_000, findings: [finding('quota_projection', 'inst', `x${start}`, verdict, value)] };
      });

    const alerts = deriveAlerts(replay(hysteresis(80, 75)));
    expect(alerts.map((a) => [a.window, a.openedAtMs, a.state, a.resolved?.atMs])).toEqual([
      ['x2', 3_000, 'resolved', 10_000],
      ['x11', 12_000, 'open', undefined],
    ]);
    // The same series without a band (clear below the raise threshold) flaps: one alert per crossing.
    expect(deriveAlerts(replay(hysteresis(80, 80))).length).toBe(5);
  });

  it('gives the same events for the same evaluation: a replay appends nothing new', () => {
    const findings = [finding('meter_offline', 'm1', 'w', 'raise'), finding('clock_skew', 'm2', 'w', 'raise')];
    expect(applyFindings([], findings, 5_000)).toEqual(applyFindings([], findings, 5_000));
  });
});
