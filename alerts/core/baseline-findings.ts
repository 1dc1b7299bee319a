import { formatLocalIso, localDate } from '../../src/kernel/index.js';
import type { RuleFinding } from './alert-types.js';
import type { JudgedHour } from './baseline-anomaly.js';
import type { MeterAnalysis } from './baseline-analysis.js';
import type { OffHoursDay } from './off-hours-waste.js';

/**
 * The findings of the baseline family for one meter (docs/alerts.md, "Baselines"): one
 * baseline_anomaly finding, and one off_hours_waste finding per judged day. A meter without
 * enough history gives none (the baseline route says why).
 */

export interface BaselineMeter {
  readonly id: string;
  readonly name?: string | undefined;
  readonly unit: string;
}

/** The CO2 factor that turns a meter's unit into kg CO2 (the one the carbon report uses), or why there is none. */
export type Co2Factor = { readonly factorId: string; readonly kgCo2PerUnit: number } | { readonly unavailable: string };

const round = (value: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

const fmt = (value: number): string => String(round(value, 2));

function hourFigures(h: JudgedHour, timeZone: string) {
  return {
    hourStartMs: h.startMs,
    date: localDate(h.startMs, timeZone),
    hour: h.hour,
    dayKind: h.dayKind,
    consumption: h.consumption,
    median: h.band?.median ?? null,
    lower: h.band?.lower ?? null,
    upper: h.band?.upper ?? null,
    profileKey: h.band?.key ?? null,
    position: h.position,
  };
}

export function baselineFindings(
  meter: BaselineMeter,
  analysis: MeterAnalysis,
  co2Of: (date: string) => Co2Factor,
  consecutiveHours: number,
): RuleFinding[] {
  if (analysis.history.status !== 'ok') return [];
  const findings: RuleFinding[] = [];
  const anomaly = anomalyFinding(meter, analysis, consecutiveHours);
  if (anomaly !== undefined) findings.push(anomaly);
  for (const day of analysis.offHours) findings.push(wasteFinding(meter, analysis, day, co2Of(day.date)));
  return findings;
}

function anomalyFinding(meter: BaselineMeter, analysis: MeterAnalysis, k: number): RuleFinding | undefined {
  const state = analysis.anomaly;
  if (state === undefined) return undefined;
  const { timeZone } = analysis;
  const last = state.lastJudged;
  const episode = state.episode;
  // A lasting episode is keyed by the day it began; a clear names the episode it ends (if seen).
  const windowStartMs = episode?.startMs ?? last.startMs;
  const reference = state.verdict === 'raise' && episode !== undefined ? episode.peak : last;
  const band = reference.band;
  const value = reference.consumption ?? 0;
  const threshold = band === undefined ? 0 : reference.position === 'below' ? band.lower : band.upper;
  const since = state.verdict === 'raise' && episode !== undefined ? episode.startMs : last.startMs;
  const name = meter.name ?? meter.id;
  const summary =
    state.verdict === 'raise' && episode !== undefined
      ? {
          en:
            `${name}: hourly consumption ${episode.direction === 'below' ? 'below' : 'outside'} its learned band ` +
            `for ${episode.outsideHours} h since ${localIso(episode.startMs, timeZone)} ` +
            `(peak ${fmt(value)} ${meter.unit}/h, band ${fmt(band?.lower ?? 0)}–${fmt(band?.upper ?? 0)})`,
          zh:
            `${name}：自 ${localIso(episode.startMs, timeZone)} 起逐时用量连续 ${episode.outsideHours} 小时` +
            `${episode.direction === 'below' ? '低于' : '偏离'}学习基线（峰值 ${fmt(value)} ${meter.unit}/h，` +
            `正常区间 ${fmt(band?.lower ?? 0)}–${fmt(band?.upper ?? 0)}）`,
        }
      : state.verdict === 'hold'
        ? {
            en: `${name}: ${state.outsideRun} h outside its band, ${k} needed to raise`,
            zh: `${name}：已连续 ${state.outsideRun} 小时偏离基线，达到 ${k} 小时才告警`,
          }
        : {
            en: `${name}: hourly consumption back inside its learned band`,
            zh: `${name}：逐时用量已回到学习基线区间内`,
          };
  return {
    rule: 'baseline_anomaly',
    subject: { kind: 'meter', id: meter.id },
    window: localDate(windowStartMs, timeZone),
    verdict: state.verdict,
    severity: 'warning',
    measured: { value: round(value), threshold: round(threshold), unit: meter.unit },
    sinceMs: Math.min(since, analysis.asOfMs),
    details: {
      bucket: 'hour',
      state: state.state,
      consecutiveHours: k,
      outsideRun: state.outsideRun,
      insideRun: state.insideRun,
      episode:
        episode === undefined
          ? null
          : {
              startMs: episode.startMs,
              endMs: episode.endMs,
              outsideHours: episode.outsideHours,
              direction: episode.direction,
              peak: hourFigures(episode.peak, timeZone),
            },
      lastHour: hourFigures(last, timeZone),
      learningDays: analysis.profile.learningDays,
    },
    summary,
  };
}

function wasteFinding(meter: BaselineMeter, analysis: MeterAnalysis, day: OffHoursDay, co2: Co2Factor): RuleFinding {
  const name = meter.name ?? meter.id;
  const co2Kg = 'kgCo2PerUnit' in co2 ? round(day.waste * co2.kgCo2PerUnit) : null;
  const dayKind = analysis.days.find((d) => d.date === day.date)?.kind ?? null;
  const first = day.wastefulHours[0];
  const co2Text = co2Kg === null ? '' : `, ≈ ${fmt(co2Kg)} kg CO2`;
  const summary =
    day.verdict === 'raise'
      ? {
          en:
            `${name}: ${fmt(day.waste)} ${meter.unit} used above the off-hours baseline on ${day.date}` +
            ` in ${day.wastefulHours.length} h${co2Text} (threshold ${fmt(day.threshold)} ${meter.unit})`,
          zh:
            `${name}：${day.date} 非工作时段有 ${day.wastefulHours.length} 小时高于基线，估计浪费 ` +
            `${fmt(day.waste)} ${meter.unit}${co2Kg === null ? '' : `，约 ${fmt(co2Kg)} kg CO2`}` +
            `（阈值 ${fmt(day.threshold)} ${meter.unit}）`,
        }
      : {
          en: `${name}: off-hours consumption on ${day.date} within its baseline`,
          zh: `${name}：${day.date} 非工作时段用量在基线范围内`,
        };
  return {
    rule: 'off_hours_waste',
    subject: { kind: 'meter', id: meter.id },
    window: day.date,
    verdict: day.verdict,
    severity: 'warning',
    measured: { value: round(day.waste), threshold: round(day.threshold), unit: meter.unit },
    sinceMs: Math.min(first?.startMs ?? analysis.asOfMs, analysis.asOfMs),
    details: {
      date: day.date,
      dayKind,
      unit: meter.unit,
      wasteAmount: round(day.waste),
      offHoursConsumption: round(day.consumption),
      offHoursBaseline: round(day.baseline),
      judgedOffHours: day.judgedOffHours,
      wastefulHours: day.wastefulHours.map((w) => ({
        hourStartMs: w.startMs,
        consumption: round(w.consumption),
        median: round(w.median),
        upper: round(w.upper),
        waste: round(w.waste),
      })),
      co2Kg,
      co2FactorId: 'factorId' in co2 ? co2.factorId : null,
      co2KgPerUnit: 'kgCo2PerUnit' in co2 ? co2.kgCo2PerUnit : null,
      co2Note: 'unavailable' in co2 ? co2.unavailable : null,
    },
    summary,
  };
}

/** 2026-10-01 08:00 in the zone (the mails and the API print local times). */
function localIso(ms: number, timeZone: string): string {
  return formatLocalIso(ms, timeZone, false).slice(0, 16).replace('T', ' ');
}
