import { alertIdOf, SYSTEM_ACTOR, type Alert, type AlertEvent } from './alert-events.js';
import { RULE_POLICIES, type AlertRule, type AlertSubject, type RuleFinding } from './alert-types.js';

/**
 * The lifecycle's step (docs/alerts.md): the events one evaluation adds, given the
 * alerts as they stand and the rules' findings at `asOfMs`.
 *
 * - `raise`: opens the alert of its (rule, subject, window) unless that alert
 *   exists, in any state; a resolved alert is not reopened in the same window,
 *   so de-duplication is by the id alone (alertIdOf).
 * - `clear`: the condition is over for the subject, so every alert of that
 *   (rule, subject) not yet resolved is resolved by the system with the finding,
 *   whatever window it was opened under (a family's clear finding need not know
 *   the window of the condition it ends), when the rule resolves itself
 *   (RULE_POLICIES); otherwise a person resolves it.
 * - `hold` (inside the hysteresis band): nothing. A raise or hold of an alert in
 *   the same evaluation also keeps a clear of its subject from resolving it.
 *
 * Every event carries `asOfMs`, so a replay of the same evaluation appends the
 * same events, which the store collapses.
 */
export function applyFindings(
  current: readonly Alert[],
  findings: readonly RuleFinding[],
  asOfMs: number,
): AlertEvent[] {
  const byId = new Map(current.map((a) => [a.id, a]));
  const unresolvedBySubject = new Map<string, Alert[]>();
  for (const alert of current) {
    if (alert.state === 'resolved') continue;
    const key = subjectKey(alert.rule, alert.subject);
    unresolvedBySubject.set(key, [...(unresolvedBySubject.get(key) ?? []), alert]);
  }
  // Ids a raise or hold of this evaluation speaks for: a clear of the same subject leaves them alone.
  const kept = new Set(findings.filter((f) => f.verdict !== 'clear').map((f) => alertIdOf(f)));

  const events: AlertEvent[] = [];
  const touched = new Set<string>();
  for (const finding of findings) {
    if (finding.verdict === 'raise') {
      const alertId = alertIdOf(finding);
      if (byId.has(alertId) || touched.has(alertId)) continue;
      touched.add(alertId);
      events.push({ alertId, kind: 'opened', atMs: asOfMs, actor: SYSTEM_ACTOR, finding });
    } else if (finding.verdict === 'clear' && RULE_POLICIES[finding.rule].resolvesItself) {
      for (const alert of unresolvedBySubject.get(subjectKey(finding.rule, finding.subject)) ?? []) {
        if (kept.has(alert.id) || touched.has(alert.id) || alert.openedAtMs > asOfMs) continue;
        touched.add(alert.id);
        events.push({ alertId: alert.id, kind: 'resolved', atMs: asOfMs, actor: SYSTEM_ACTOR, finding });
      }
    }
  }
  return events;
}

/** The (rule, subject) part of the alert id: the key a clear finding speaks for. */
export function subjectKey(rule: AlertRule, subject: AlertSubject): string {
  return `${rule}:${subject.kind}:${subject.id}`;
}
