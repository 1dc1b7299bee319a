import type { ApiClient } from '../../api/api-client.js';
import { monthLabel } from './data-labels.js';

/** The consumption view's answer (GET /api/v1/consumption), the part it shows. */
export interface ConsumptionAnswer {
  from: string;
  to: string;
  series: Series[];
}

export interface Series {
  carrier: string;
  unit: string;
  totals: { consumption: number };
  buckets: Bucket[];
}

export interface Bucket {
  start: string;
  label: string;
  consumption: number;
  quality: string;
  completeness: number | null;
}

export type BucketKind = 'day' | 'month';

const DAY_MS = 24 * 3600 * 1000;

/** Where the series start: 30 days back (day buckets) or in the local year's first month (month buckets). */
function fromOf(bucket: BucketKind, nowMs: number, timeZone: string): string {
  if (bucket === 'day') return new Date(nowMs - 30 * DAY_MS).toISOString();
  const year = monthLabel(nowMs, timeZone).slice(0, 4);
  // Noon UTC on 1 January lies on 1 January in every zone the fleet uses; the service widens it to the month.
  return `${year}-01-01T12:00:00Z`;
}

export function askConsumption(
  api: ApiClient,
  orgId: string,
  bucket: BucketKind,
  nowMs: number,
  timeZone: string,
): Promise<ConsumptionAnswer> {
  return api.get<ConsumptionAnswer>('/consumption', {
    org: orgId,
    bucket,
    from: fromOf(bucket, nowMs, timeZone),
    to: new Date(nowMs).toISOString(),
  });
}

/**
 * The first view's series asked before the shell has mounted the view: as soon as the page knows the org (from
 * the address at once, or from GET /orgs for the default org), beside the login check instead of after it. Day
 * buckets need no time zone (the zone comes with /orgs). Taken once by the view that mounts for the same org; its
 * `nowMs` becomes the view's, so that the view's range is the one asked.
 */
interface Prefetched {
  readonly orgId: string;
  readonly nowMs: number;
  readonly answer: Promise<ConsumptionAnswer>;
}

let prefetched: Prefetched | undefined;

export function prefetchConsumption(api: ApiClient, orgId: string): void {
  const nowMs = Date.now();
  const answer = askConsumption(api, orgId, 'day', nowMs, 'UTC');
  // Never an unhandled rejection: the view asks again through its own client when this failed (see below).
  answer.catch(() => undefined);
  prefetched = { orgId, nowMs, answer };
}

/** The prefetched request of `orgId` (then forgotten), or undefined. */
export function takePrefetched(orgId: string): Prefetched | undefined {
  const taken = prefetched?.orgId === orgId ? prefetched : undefined;
  prefetched = undefined;
  return taken;
}
