import type { CloseRefusal } from './closed-document.js';

/**
 * Why a period cannot be closed yet (docs/periods.md, "Closing"): every reason
 * at once, read from the report itself. A period not over cannot be closed at
 * all; low completeness, readings awaiting review and a period without readings
 * can be overridden by an administrator with a justification (recorded).
 */
export interface ClosabilityInput {
  /** The report's top level, as the engine wrote it (inProgress, period.to, completeness, reviews). */
  readonly report: {
    readonly inProgress: boolean;
    readonly period: { readonly to: string };
    readonly completeness: number | null;
    readonly reviews: number;
  };
  readonly leafCount: number;
  readonly nowMs: number;
  /** 0..1: the least completeness a period closes at without an override. */
  readonly completenessThreshold: number;
}

export function closeRefusals(input: ClosabilityInput): CloseRefusal[] {
  const { report } = input;
  const refusals: CloseRefusal[] = [];
  const endMs = Date.parse(report.period.to);
  if (report.inProgress || !(endMs <= input.nowMs)) {
    refusals.push({
      code: 'period_not_over',
      message: `the period ends at ${report.period.to}; it can be closed once it is over`,
      overridable: false,
      details: { periodEnd: report.period.to },
    });
  }
  if (input.leafCount === 0) {
    refusals.push({
      code: 'no_readings',
      message: 'no meter of the subtree sent a reading in the period',
      overridable: true,
    });
  }
  if (report.completeness === null || report.completeness < input.completenessThreshold) {
    refusals.push({
      code: 'completeness_below_threshold',
      message: `completeness ${report.completeness ?? 'unknown'} is below the threshold ${input.completenessThreshold}`,
      overridable: true,
      details: { completeness: report.completeness, threshold: input.completenessThreshold },
    });
  }
  if (report.reviews > 0) {
    refusals.push({
      code: 'readings_await_review',
      message: `${report.reviews} quarantined interval(s) await review and are booked nowhere`,
      overridable: true,
      details: { reviews: report.reviews },
    });
  }
  return refusals;
}
