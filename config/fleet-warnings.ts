import { defaultCeilingPerHour } from '../accounting/index.js';
import type { Fleet } from './fleet-schema.js';
import type { ConfigProblem } from './validate-fleet.js';

/**
 * What is valid but weakens the figures, for `check-config` to print as
 * warnings (never errors: the service runs). Today: cumulative meters without a
 * rating (ratedMaxPerHour). Their plausibility bound is learned from their own
 * history under the carrier's default ceiling (docs/methodology.md §6); a
 * rating is tighter from the first reading on.
 */
export function fleetWarnings(fleet: Pick<Fleet, 'meters'>, at = 'fleet'): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  fleet.meters.forEach((m, i) => {
    if (m.register !== 'cumulative' || m.ratedMaxPerHour !== undefined) return;
    const ceiling = defaultCeilingPerHour(m.carrier, m.unit);
    const bound = ceiling === undefined ? 'no default ceiling' : `the ${m.carrier} default ceiling of ${ceiling} ${m.unit} per hour`;
    warnings.push({
      path: `${at}.meters[${i}].ratedMaxPerHour`,
      message: `meter ${m.id} has no rating: implausible jumps are judged by a bound learned from its history and ${bound}`,
    });
  });
  return warnings;
}
