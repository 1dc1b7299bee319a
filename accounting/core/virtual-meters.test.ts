import { describe, expect, it } from 'vitest';
import {
  evaluateVirtualMeter,
  parseMeterExpression,
  resolveVirtualMeters,
  virtualMeterRows,
  type ReferencedFigures,
  type ResolvedVirtualMeter,
} from './virtual-meters.js';

const terms = (text: string) => {
  const parsed = parseMeterExpression(text);
  if ('error' in parsed) throw new Error(`${parsed.error.message} at ${parsed.error.position}`);
  return Object.fromEntries(parsed.ok.terms.map((t) => [t.meterId, t.coefficient]));
};
const error = (text: string) => {
  const parsed = parseMeterExpression(text);
  return 'error' in parsed ? parsed.error : undefined;
};

describe('parseMeterExpression', () => {
  it('reads ids with dashes and dots, a subtraction needing spaces', () => {
    expect(terms('gov-a-e-main - gov-a-e-light - gov-a-e-hvac')).toEqual({
      'gov-a-e-main': 1,
      'gov-a-e-light': -1,
      'gov-a-e-hvac': -1,
    });
    expect(terms('a-b')).toEqual({ 'a-b': 1 });
    expect(terms('m1.x+m2')).toEqual({ 'm1.x': 1, m2: 1 });
  });

  it('gives * precedence over + and -, and honours parentheses', () => {
    expect(terms('m1 - 0.5 * m2 + m3 * 2')).toEqual({ m1: 1, m2: -0.5, m3: 2 });
    expect(terms('m1 - (m2 + m3)')).toEqual({ m1: 1, m2: -1, m3: -1 });
    expect(terms('m1 - (m2 - m3)')).toEqual({ m1: 1, m2: -1, m3: 1 });
    expect(terms('2 * (m1 - 0.25 * (m2 + m3))')).toEqual({ m1: 2, m2: -0.5, m3: -0.5 });
    expect(terms('(2 * 3) * m1')).toEqual({ m1: 6 });
    expect(terms('-m1 + m2')).toEqual({ m1: -1, m2: 1 });
    expect(terms('m1 + m2 - m1')).toEqual({ m1: 0, m2: 1 });
  });

  it('reports errors with their position', () => {
    expect(error('m1 - (m2 + m3')).toEqual({ message: 'expected ")"', position: 13 });
    expect(error('m1 - m2)')?.position).toBe(7);
    expect(error('m1 -')).toEqual({ message: 'unexpected end of expression', position: 4 });
    expect(error('m1 * m2')?.position).toBe(3);
    expect(error('m1 + 5')?.position).toBe(3);
    expect(error('m1 m2')?.position).toBe(3);
    expect(error('m1 / m2')).toEqual({ message: 'unexpected character "/"', position: 3 });
    expect(error('2 * 3')?.message).toBe('the expression names no meter');
    expect(error('')?.message).toBe('unexpected end of expression');
    expect(error('m1 + * m2')?.position).toBe(5);
  });
});

const meters = [
  { id: 'main', carrier: 'electricity', unit: 'MWh' },
  { id: 'a', carrier: 'electricity', unit: 'kWh' },
  { id: 'b', carrier: 'electricity', unit: 'kWh' },
];
const fig = (consumption: number, extra: Partial<ReferencedFigures> = {}): ReferencedFigures => ({
  consumption,
  estimatedAmount: 0,
  quarantinedAmount: 0,
  receivedReadings: 96,
  expectedReadings: 96,
  ...extra,
});

describe('virtual meter evaluation', () => {
  const [rest, half] = resolveVirtualMeters(
    [
      {
        id: 'rest',
        name: '未计量（损耗等）',
        institutionId: 'i1',
        carrier: 'electricity',
        unit: 'kWh',
        expression: 'main - a - b',
      },
      { id: 'half', institutionId: 'i1', carrier: 'electricity', unit: 'MWh', expression: '0.5 * rest + a' },
    ],
    meters,
  ) as [ResolvedVirtualMeter, ResolvedVirtualMeter];

  it('converts units into the virtual meter unit and expands virtual references', () => {
    expect(rest.terms).toEqual([
      { meterId: 'main', coefficient: 1000 },
      { meterId: 'a', coefficient: -1 },
      { meterId: 'b', coefficient: -1 },
    ]);
    expect(half.terms).toEqual([
      { meterId: 'main', coefficient: 0.5 },
      { meterId: 'a', coefficient: 0.0005 },
      { meterId: 'b', coefficient: -0.0005 },
    ]);
    const figures = new Map([
      ['main', fig(1.2)],
      ['a', fig(700)],
      ['b', fig(400)],
    ]);
    const value = evaluateVirtualMeter(rest, (id) => figures.get(id));
    expect(value.consumption).toBeCloseTo(100, 9);
    expect(value.negative).toBe(false);
    expect(evaluateVirtualMeter(half, (id) => figures.get(id)).consumption).toBeCloseTo(0.75, 12);
  });

  it('keeps a negative result and flags it; combines estimates, quarantine and completeness', () => {
    const figures = new Map([
      ['main', fig(1, { estimatedAmount: 0.1, receivedReadings: 90 })],
      ['a', fig(700, { quarantinedAmount: 30 })],
      ['b', fig(400, { estimatedAmount: 20, receivedReadings: 48 })],
    ]);
    const [row] = virtualMeterRows([rest], new Set(['i1']), figures);
    expect(row?.consumption).toBeCloseTo(-100, 9);
    expect(row?.negative).toBe(true);
    // |coefficient| × estimate: 1000 × 0.1 + 20; the share caps at 1.
    expect(row?.estimatedAmount).toBeCloseTo(120, 9);
    expect(row?.estimatedShare).toBe(1);
    expect(row?.quarantinedAmount).toBeCloseTo(30, 9);
    expect(row?.completeness).toBe(0.5);
    expect(row?.name).toBe('未计量（损耗等）');
    expect(virtualMeterRows([rest], new Set(['other']), figures)).toEqual([]);
  });

  it('counts a referenced meter without figures as 0 with completeness 0, and names it', () => {
    const value = evaluateVirtualMeter(rest, (id) => (id === 'b' ? undefined : fig(id === 'main' ? 1 : 100)));
    expect(value.consumption).toBeCloseTo(900, 9);
    expect(value.completeness).toBe(0);
    expect(value.missingMeterIds).toEqual(['b']);
  });

  it('throws on an unresolvable definition (validation reports it first)', () => {
    expect(() =>
      resolveVirtualMeters(
        [
          { id: 'x', institutionId: 'i1', carrier: 'electricity', unit: 'kWh', expression: 'y' },
          { id: 'y', institutionId: 'i1', carrier: 'electricity', unit: 'kWh', expression: 'x' },
        ],
        meters,
      ),
    ).toThrow(/cycle/);
    expect(() =>
      resolveVirtualMeters([{ id: 'x', institutionId: 'i1', carrier: 'water', unit: 'm3', expression: 'a' }], meters),
    ).toThrow(/meters electricity/);
  });
});
