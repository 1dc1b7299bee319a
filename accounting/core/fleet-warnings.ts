import { defaultCeilingPerHour } from './plausibility.js';
import type { FleetProblem } from './validate-virtual-meters.js';

/** The meter fields the warnings read (config's fleet satisfies it structurally). */
export interface RatedMeterFleet {
  readonly meters: readonly {
    readonly id: string;
    readonly carrier: string;
    readonly unit: string;
    readonly register: 'cumulative' | 'interval';
    readonly ratedMaxPerHour?: number | undefined;
  }[];
}

/**
 * What is valid but weakens the figures, for `check-config` to print as
 * warnings (never errors: the service runs). Today: cumulative meters without a
 * rating (ratedMaxPerHour). Their plausibility bound is learned from their own
 * history under the carrier's default ceiling (docs/methodology.md §6); a
 * rating is tighter from the first reading on.
 */
export function fleetWarnings(fleet: RatedMeterFleet, at = 'fleet'): FleetProblem[] {
  const warnings: FleetProblem[] = [];
  fleet.meters.forEach((m, i) => {
    if (m.register !== 'cumulative' || m.ratedMaxPerHour !== undefined) return;
    const ceiling = defaultCeilingPerHour(m.carrier, m.unit);
    const bound =
      ceiling === undefined
        ? 'no default ceiling'
        : `the ${m.carrier} default ceiling of ${ceiling} ${m.unit} per hour`;
    warnings.push({
      path: `${at}.meters[${i}].ratedMaxPerHour`,
      message: `meter ${m.id} has no rating: implausible jumps are judged by a bound learned from its history and ${bound}`,
    });
  });
  return warnings;
}
