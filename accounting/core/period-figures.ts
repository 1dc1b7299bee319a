import type { MeterPeriodFigures } from './carbon-report-types.js';
import type { ConsumptionBucket } from './consumption.js';

/** A meter's report figures from the one bucket that spans the report period. */
export function periodFigures(meterId: string, bucket: ConsumptionBucket): MeterPeriodFigures {
  return {
    meterId,
    consumption: bucket.consumption,
    estimatedAmount: bucket.estimatedAmount,
    quarantinedAmount: bucket.quarantinedAmount,
    receivedReadings: bucket.receivedReadings,
    expectedReadings: bucket.expectedReadings,
    // A quarantined interval may overlap the bucket more than once in the index list.
    reviews: new Set(bucket.reviewIndexes).size,
  };
}
