import { describe, expect, it } from 'vitest';
import { periodRange } from '../../src/kernel/index.js';
import { quotaFindings, type QuotaRuleSettings } from './quota-findings.js';
import { computeQuotaProgress, type QuotaMonth, type QuotaProgressInput, type QuotaSpec } from './quota-progress.js';

// The hand computation of tests/fixtures/quota-progress.md: every expected figure is copied from there.
const ZONE = 'Asia/Shanghai';
const AS_OF = Date.parse('2026-11-16T00:00:00+08:00');

function monthsOf(year: number): QuotaMonth[] {
  return Array.from({ length: 12 }, (_, i) => {
    const label = `${year}-${String(i + 1).padStart(2, '0')}`;
    const range = periodRange(label, ZONE);
    if (range === undefined) throw new Error(label);
    return { label, fromMs: range.fromMs, toMs: range.toMs };
  });
}

const THIS_YEAR = [19, 17, 12.5, 6, 6, 7, 7.5, 7, 6.5, 6.5, 7, null];
const LAST_YEAR = [18, 16, 12, 6, 6, 6, 7, 7, 6, 6, 10, 16];

const QUOTA_A: QuotaSpec = {
  institutionId: 'school-1',
  institutionName: '测试小学',
  timeZone: ZONE,
  year: 2026,
  metric: 'tce',
  scope: 'total',
  value: 120,
  allocation: { kind: 'seasonal', weights: [3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 2, 3] },
};

const inputA: QuotaProgressInput = {
  quota: QUOTA_A,
  asOfMs: AS_OF,
  months: monthsOf(2026),
  thisYear: THIS_YEAR,
  yearToDate: 102,
  lastYear: LAST_YEAR,
};

const inputB: QuotaProgressInput = {
  ...inputA,
  quota: { ...QUOTA_A, value: 117, allocation: { kind: 'last_year' } },
  lastYear: LAST_YEAR.map((v, i) => (i === 2 ? null : v)),
};

const DEFAULT_RULE_SETTINGS: QuotaRuleSettings = {
  thresholds: {
    prorated: [
      { percent: 80, severity: 'info' },
      { percent: 100, severity: 'warning' },
    ],
    annual: [
      { percent: 80, severity: 'warning' },
      { percent: 100, severity: 'critical' },
    ],
    projection: [{ percent: 100, severity: 'warning' }],
  },
  hysteresisPoints: 2,
  minElapsedDays: 5,
};

function verdicts(input: QuotaProgressInput): Record<string, string> {
  const findings = quotaFindings(computeQuotaProgress(input), DEFAULT_RULE_SETTINGS);
  return Object.fromEntries(findings.map((f) => [`${f.rule} ${f.window}`, `${f.verdict} ${f.severity}`]));
}

describe('quota progress (tests/fixtures/quota-progress.md, case A: seasonal weights)', () => {
  const progress = computeQuotaProgress(inputA);

  it('prorates the quota to date through the allocation and the elapsed half of November', () => {
    expect(progress.status).toBe('in_progress');
    expect(progress.allocation.used).toBe('seasonal');
    expect(progress.months.map((m) => m.quota)).toEqual(
      [18, 18, 12, 6, 6, 6, 6, 6, 6, 6, 12, 18].map((v) => expect.closeTo(v, 9)),
    );
    expect(progress.month?.label).toBe('2026-11');
    expect(progress.month?.elapsedShare).toBeCloseTo(0.5, 12);
    expect(progress.yearToDate.quotaToDate).toBeCloseTo(96, 9);
    expect(progress.yearToDate.used).toBe(102);
    expect(progress.yearToDate.proratedPercent).toBeCloseTo(106.25, 9);
    expect(progress.yearToDate.annualPercent).toBeCloseTo(85, 9);
    expect(progress.month?.quota).toBeCloseTo(12, 9);
    expect(progress.month?.quotaToDate).toBeCloseTo(6, 9);
    expect(progress.month?.percent).toBeCloseTo(116.6667, 3);
  });

  it("projects with last year's remaining shape scaled by this year's ratio to last year", () => {
    expect(progress.projection.method).toBe('last_year_shape');
    expect(progress.projection.ratioToLastYear).toBeCloseTo(102 / 95, 12);
    expect(progress.projection.value).toBeCloseTo(124.547368, 5);
    expect(progress.projection.percent).toBeCloseTo(103.789, 3);
  });

  it('raises the thresholds the fixture lists, each in its own window', () => {
    expect(verdicts(inputA)).toEqual({
      'quota_prorated 2026:tce_total:80': 'raise info',
      'quota_prorated 2026:tce_total:100': 'raise warning',
      'quota_prorated 2026-10:tce_total:80': 'raise info',
      'quota_prorated 2026-10:tce_total:100': 'raise warning',
      'quota_prorated 2026-11:tce_total:80': 'raise info',
      'quota_prorated 2026-11:tce_total:100': 'raise warning',
      'quota_annual 2026:tce_total:80': 'raise warning',
      'quota_annual 2026:tce_total:100': 'clear critical',
      'quota_projection 2026:tce_total:100': 'raise warning',
    });
  });

  it('states the figures in both languages and in the details', () => {
    const findings = quotaFindings(progress, DEFAULT_RULE_SETTINGS);
    const annual = findings.find((f) => f.rule === 'quota_annual' && f.window === '2026:tce_total:80');
    expect(annual?.measured).toEqual({ value: expect.closeTo(85, 9), threshold: 80, unit: '%' });
    expect(annual?.summary.en).toContain('102 tce');
    expect(annual?.summary.en).toContain('85.0 %');
    expect(annual?.summary.zh).toContain('测试小学');
    expect(annual?.summary.zh).toContain('2026-11-15');
    const projection = findings.find((f) => f.rule === 'quota_projection');
    expect(projection?.details).toMatchObject({ method: 'last_year_shape', projected: expect.closeTo(124.547368, 5) });
    expect(projection?.summary.zh).toContain('124.5');
  });
});

describe('quota progress (case B: last year incomplete)', () => {
  const progress = computeQuotaProgress(inputB);

  it("falls back to a flat allocation and to the allocation profile's projection, saying so", () => {
    expect(progress.allocation).toMatchObject({ requested: 'last_year', used: 'flat' });
    expect(progress.allocation.note).not.toBeNull();
    expect(progress.yearToDate.elapsedShare).toBeCloseTo(319 / 365, 12);
    expect(progress.yearToDate.quotaToDate).toBeCloseTo(102.254795, 5);
    expect(progress.yearToDate.proratedPercent).toBeCloseTo(99.7508, 3);
    expect(progress.yearToDate.annualPercent).toBeCloseTo(87.1795, 3);
    expect(progress.month?.quota).toBeCloseTo(9.616438, 5);
    expect(progress.month?.percent).toBeCloseTo(145.584, 2);
    expect(progress.projection.method).toBe('allocation_profile');
    expect(progress.projection.value).toBeCloseTo(116.708464, 5);
    expect(progress.projection.ratioToLastYear).toBeNull();
  });

  it('holds inside the hysteresis band and clears below it', () => {
    expect(verdicts(inputB)).toEqual({
      'quota_prorated 2026:tce_total:80': 'raise info',
      'quota_prorated 2026:tce_total:100': 'hold warning',
      'quota_prorated 2026-10:tce_total:80': 'clear info',
      'quota_prorated 2026-10:tce_total:100': 'clear warning',
      'quota_prorated 2026-11:tce_total:80': 'raise info',
      'quota_prorated 2026-11:tce_total:100': 'raise warning',
      'quota_annual 2026:tce_total:80': 'raise warning',
      'quota_annual 2026:tce_total:100': 'clear critical',
      'quota_projection 2026:tce_total:100': 'hold warning',
    });
  });
});

describe('quota progress at the edges of the year', () => {
  it('judges nothing before the year starts', () => {
    const before = computeQuotaProgress({ ...inputA, asOfMs: Date.parse('2025-12-31T23:00:00+08:00') });
    expect(before.status).toBe('not_started');
    expect(before.projection.method).toBe('none');
    expect(quotaFindings(before, DEFAULT_RULE_SETTINGS)).toEqual([]);
  });

  it('judges only the annual share in the first days, when prorated shares are noise', () => {
    const early = computeQuotaProgress({
      ...inputA,
      asOfMs: Date.parse('2026-01-03T00:00:00+08:00'),
      thisYear: [2, ...Array<null>(11).fill(null)],
      yearToDate: 2,
    });
    expect(early.yearToDate.elapsedDays).toBeCloseTo(2, 9);
    const rules = quotaFindings(early, DEFAULT_RULE_SETTINGS).map((f) => `${f.rule} ${f.window}`);
    expect(rules).toEqual(['quota_annual 2026:tce_total:80', 'quota_annual 2026:tce_total:100']);
  });

  it('takes the actual total as the projection once the year has closed, and judges December', () => {
    const closed = computeQuotaProgress({
      ...inputA,
      asOfMs: Date.parse('2027-01-05T00:00:00+08:00'),
      thisYear: [...THIS_YEAR.slice(0, 11), 20],
      yearToDate: 122,
    });
    expect(closed.status).toBe('closed');
    expect(closed.projection).toMatchObject({ method: 'actual', value: 122 });
    const windows = quotaFindings(closed, DEFAULT_RULE_SETTINGS).map((f) => `${f.rule} ${f.window} ${f.verdict}`);
    expect(windows).toContain('quota_annual 2026:tce_total:100 raise');
    expect(windows).toContain('quota_prorated 2026-12:tce_total:100 raise');
    expect(windows).toContain('quota_prorated 2026-11:tce_total:100 clear');
  });
});
