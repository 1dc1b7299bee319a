import { z } from 'zod';
import { END_USE_CODE, type Fleet } from '../../config/index.js';
import { CARRIERS } from '../../src/kernel/index.js';
import { QUOTA_METRICS } from '../core/quota-metrics.js';

/**
 * The `alerts.quotas` settings: energy quotas (能耗定额) per institution and year,
 * and the thresholds their alerts fire at (docs/alerts.md, "Quotas"). Every key has
 * a default, so a configuration without `alerts:` loads with no quota at all.
 */

/** The tiers of a quota standard: 约束值 (upper limit), 基准值 (baseline), 引导值 (advanced target). */
export const QUOTA_TIERS = ['constraint', 'baseline', 'guide'] as const;
export type QuotaTier = (typeof QUOTA_TIERS)[number];

const year = z.number().int().min(1990).max(2100);
const citation = z.string().min(1).describe('the document: issuer, title, number, date (or who decided, and when)');

export const quotaSourceSchema = z.discriminatedUnion('kind', [
  /** A national or local quota standard, one of its tiers. */
  z.strictObject({ kind: z.literal('standard'), tier: z.enum(QUOTA_TIERS), citation }),
  /** The institution's figure of a past year less a reduction: baselineValue × (1 − reductionPercent / 100). */
  z.strictObject({
    kind: z.literal('historical'),
    baselineYear: year,
    baselineValue: z.number().positive(),
    reductionPercent: z.number().min(0).max(99),
    citation,
  }),
  /** An energy-performance contract (合同能源管理) or a supply contract. */
  z.strictObject({ kind: z.literal('contract'), citation }),
  /** Set by a person (an administrator's decision). */
  z.strictObject({ kind: z.literal('manual'), citation }),
]);
export type QuotaSource = z.infer<typeof quotaSourceSchema>;

export const ALLOCATION_KINDS = ['flat', 'seasonal', 'last_year'] as const;

/** How the annual quota is spread over the months, for the quota to date. */
export const allocationSchema = z.discriminatedUnion('kind', [
  /** In proportion to each month's length: the quota spread evenly over the year's days. */
  z.strictObject({ kind: z.literal('flat') }),
  /** One weight per month, January first; the shares are the weights over their sum. */
  z.strictObject({
    kind: z.literal('seasonal'),
    weights: z
      .array(z.number().positive('a monthly weight must be a positive number'))
      .length(12, 'seasonal weights are 12 positive numbers, January to December'),
  }),
  /** The shape of the same metric last year (flat when last year is not complete). */
  z.strictObject({ kind: z.literal('last_year') }),
]);
export type QuotaAllocation = z.infer<typeof allocationSchema>;

export const quotaEntrySchema = z.strictObject({
  institution: z.string().min(1),
  year,
  metric: z.enum(QUOTA_METRICS),
  /** Only this carrier's figures (e.g. electricity); absent: the institution's total. */
  carrier: z.enum(CARRIERS).optional(),
  /** Only this 分项 item or sub-item (01A00 lighting & sockets, 01B00 HVAC …); absent: the total. */
  endUse: z.string().regex(END_USE_CODE, 'expected a 分项 code such as 01A00, 01B00').optional(),
  /** The annual quota in the metric's unit; for a historical source it may be left out (it is computed). */
  value: z.number().positive().optional(),
  source: quotaSourceSchema,
  allocation: allocationSchema.default({ kind: 'flat' }),
});
export type QuotaEntry = z.infer<typeof quotaEntrySchema>;

const threshold = z.strictObject({
  percent: z.number().positive().max(1000),
  severity: z.enum(['critical', 'warning', 'info']),
});

export const quotaSettingsSchema = z.strictObject({
  thresholds: z
    .strictObject({
      /** Used to date against the quota to date (the allocation's share), for the year and for the month. */
      prorated: z.array(threshold).default([
        { percent: 80, severity: 'info' },
        { percent: 100, severity: 'warning' },
      ]),
      /** Used to date against the whole annual quota. */
      annual: z.array(threshold).default([
        { percent: 80, severity: 'warning' },
        { percent: 100, severity: 'critical' },
      ]),
      /** The projection to the end of the year against the annual quota. */
      projection: z.array(threshold).default([{ percent: 100, severity: 'warning' }]),
    })
    .prefault({}),
  /** An alert raised at t % clears below t − hysteresisPoints %; in between nothing changes. */
  hysteresisPoints: z.number().min(0).max(50).default(2),
  /**
   * Prorated and projected shares are noise in the first days of a period: they are judged
   * once this many days of the year (of the month, for the month's share) have passed.
   */
  minElapsedDays: z.number().min(0).max(31).default(5),
  /** A year's quotas are still judged this many days after the year ends (late readings). */
  closedYearDays: z.number().int().min(0).max(366).default(31),
  /** Electricity to standard coal: 当量值 (equivalent, the statistics' default) or 等价值 (equal). */
  basis: z.enum(['equivalent', 'equal']).default('equivalent'),
  entries: z.array(quotaEntrySchema).default([]),
});

export type QuotaSettings = z.infer<typeof quotaSettingsSchema>;

/** The annual quota of an entry: its value, or for a historical source the baseline less the reduction. */
export function quotaValueOf(entry: QuotaEntry): number | undefined {
  if (entry.value !== undefined) return entry.value;
  if (entry.source.kind !== 'historical') return undefined;
  return entry.source.baselineValue * (1 - entry.source.reductionPercent / 100);
}

/** The part of the institution a quota covers: 'total', a carrier, or a 分项 code. */
export function quotaScopeOf(entry: Pick<QuotaEntry, 'carrier' | 'endUse'>): string {
  return entry.endUse ?? entry.carrier ?? 'total';
}

/** The carrier a 分项 code belongs to (01 electricity, 02 water, 03A natural gas). */
function carrierOfEndUse(code: string): string | undefined {
  if (code.startsWith('01')) return 'electricity';
  if (code.startsWith('02')) return 'water';
  if (code.startsWith('03A')) return 'natural_gas';
  return undefined;
}

interface Problem {
  readonly path: string;
  readonly message: string;
}

/**
 * The quota entries against the fleet and each other; every problem, with its path.
 * (Weights and value ranges are the schema's; this checks what needs the fleet or
 * several keys at once.)
 */
export function checkQuotaSettings(settings: Readonly<Record<string, unknown>>, fleet: Fleet): Problem[] {
  const alerts = settings.alerts as { quotas?: QuotaSettings } | undefined;
  const entries = alerts?.quotas?.entries ?? [];
  const institutions = new Map(fleet.institutions.map((i) => [i.id, i]));
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    const at = `alerts.quotas.entries[${i}]`;
    const add = (key: string, message: string) => problems.push({ path: `${at}${key}`, message });
    if (!institutions.has(entry.institution)) add('.institution', `unknown institution "${entry.institution}"`);
    const key = `${entry.institution}|${entry.year}|${entry.metric}|${quotaScopeOf(entry)}`;
    const first = seen.get(key);
    if (first !== undefined) add('', `duplicate quota: ${key.replaceAll('|', ' ')} is also at entries[${first}]`);
    else seen.set(key, i);
    if (entry.carrier !== undefined && entry.endUse !== undefined)
      add('.endUse', 'give a carrier or a 分项 code, not both');
    const carrier = entry.carrier ?? (entry.endUse === undefined ? undefined : carrierOfEndUse(entry.endUse));
    if (entry.endUse !== undefined && carrierOfEndUse(entry.endUse) === undefined)
      add(
        '.endUse',
        `分项 code ${entry.endUse} names no carrier a quota can follow (01… electricity, 02… water, 03A… gas)`,
      );
    if (entry.metric === 'water_m3_per_person' && carrier !== undefined && carrier !== 'water')
      add('.metric', `water_m3_per_person counts water, not ${carrier}`);
    if (entry.metric !== 'water_m3_per_person' && carrier === 'water')
      add(
        '.metric',
        `${entry.metric} counts energy or CO2; water is outside 综合能耗 and has no CO2 (use water_m3_per_person)`,
      );
    if (entry.metric === 'co2_t' && carrier === 'pv_generation')
      add('.metric', 'on-site PV emits no CO2: a co2_t quota of pv_generation is always met');
    // Without a grid region no emission factor fits grid electricity: the quota could never be judged.
    const gridless = institutions.get(entry.institution)?.gridRegion === undefined;
    if (entry.metric === 'co2_t' && (carrier === undefined || carrier === 'electricity') && gridless)
      add(
        '.metric',
        `institution "${entry.institution}" has no gridRegion, so its electricity has no emission factor ` +
          'and a co2_t quota over it cannot be judged (set gridRegion in the fleet)',
      );
    const { source } = entry;
    if (source.kind === 'historical') {
      if (source.baselineYear >= entry.year)
        add(
          '.source.baselineYear',
          `the baseline year ${source.baselineYear} must be before the quota year ${entry.year}`,
        );
      const computed = source.baselineValue * (1 - source.reductionPercent / 100);
      if (entry.value !== undefined && Math.abs(entry.value - computed) > 0.005 * computed)
        add(
          '.value',
          `value ${entry.value} is not the baseline ${source.baselineValue} less ${source.reductionPercent} % ` +
            `(${round(computed)}): leave it out or correct it`,
        );
    } else if (entry.value === undefined) add('.value', `a ${source.kind} quota needs its value`);
  });
  return problems;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
