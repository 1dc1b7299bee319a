import { CARRIERS, toBaseUnit, type Carrier, type Unit } from '../../src/kernel/index.js';

/**
 * Virtual meters (issue 3 §5): a meter whose figures are a linear expression of
 * other meters, e.g. the unmetered remainder `gov-a-e-main - gov-a-e-light - gov-a-e-hvac`.
 *
 * Grammar (whitespace between tokens is free):
 *
 *   expression := term (('+' | '-') term)*
 *   term       := factor ('*' factor)*
 *   factor     := NUMBER | METER_ID | '(' expression ')' | '-' factor
 *   NUMBER     := digits, optionally '.' digits (0.5, 12, .25)
 *   METER_ID   := a fleet id: [A-Za-z0-9][A-Za-z0-9_.-]*
 *
 * Ids may contain '-', so a subtraction needs a space before its '-' ("a-b" is the
 * id a-b, "a - b" a difference); an id never starts with '-'. A word made of
 * digits and one dot only is a number. The result must be linear in the meters:
 * a constant multiplies a meter term (0.5 * m1, 2 * (m1 - m2)); two meters
 * cannot be multiplied, and a constant cannot be added to a meter (it has no
 * unit and would not scale with the period's length).
 *
 * A hand-written recursive-descent parser (about 100 lines) rather than eval or
 * an expression library: config is data, never code; the grammar is four rules;
 * a position on every error is what an administrator needs; and the result is a
 * linear form (meter → coefficient) that evaluates a report period and each
 * bucket of a series alike, with no dependency to vet.
 */

/** A parse error: 0-based character offset into the expression text. */
export interface ExpressionError {
  readonly message: string;
  readonly position: number;
}

export interface ExpressionTerm {
  readonly meterId: string;
  /** The constant the meter's amount is multiplied by (before any unit conversion). */
  readonly coefficient: number;
  /** Where the id first appears in the text. */
  readonly position: number;
}

/** A parsed expression: Σ coefficient × meter, one term per distinct meter id, in order of first appearance. */
export interface MeterExpression {
  readonly text: string;
  readonly terms: readonly ExpressionTerm[];
}

export type ExpressionParse = { readonly ok: MeterExpression } | { readonly error: ExpressionError };

type Token =
  | { kind: 'op'; op: '+' | '-' | '*' | '(' | ')'; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'id'; id: string; pos: number }
  | { kind: 'end'; pos: number };

interface Linear {
  /** meter id → [coefficient, first position]; insertion order is first appearance. */
  readonly terms: Map<string, [number, number]>;
  readonly constant: number;
}

class ParseFailure extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

const WORD_CHAR = /[A-Za-z0-9_.-]/;
const NUMBER = /^(\d+(\.\d+)?|\.\d+)$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '+' || c === '-' || c === '*' || c === '(' || c === ')') {
      tokens.push({ kind: 'op', op: c, pos: i });
      i += 1;
    } else if (WORD_CHAR.test(c)) {
      const start = i;
      while (i < text.length && WORD_CHAR.test(text[i] as string)) i += 1;
      const word = text.slice(start, i);
      if (NUMBER.test(word)) tokens.push({ kind: 'number', value: Number(word), pos: start });
      else if (ID.test(word)) tokens.push({ kind: 'id', id: word, pos: start });
      else throw new ParseFailure(`"${word}" is neither a number nor a meter id`, start);
    } else {
      throw new ParseFailure(`unexpected character "${c}"`, i);
    }
  }
  tokens.push({ kind: 'end', pos: text.length });
  return tokens;
}

const isConstant = (l: Linear) => l.terms.size === 0;

function scale(l: Linear, k: number): Linear {
  return { terms: new Map([...l.terms].map(([id, [c, p]]) => [id, [c * k, p]])), constant: l.constant * k };
}

function add(a: Linear, b: Linear, opPos: number): Linear {
  if (isConstant(a) !== isConstant(b))
    throw new ParseFailure(
      'a constant cannot be added to or subtracted from a meter (it has no unit); use it as a factor, e.g. 0.5 * m1',
      opPos,
    );
  const terms = new Map(a.terms);
  for (const [id, [c, p]] of b.terms) {
    const known = terms.get(id);
    terms.set(id, known === undefined ? [c, p] : [known[0] + c, known[1]]);
  }
  return { terms, constant: a.constant + b.constant };
}

/** Parses an expression into its linear form, or the first error with its position. */
export function parseMeterExpression(text: string): ExpressionParse {
  try {
    const tokens = tokenize(text);
    let k = 0;
    const peek = (): Token => tokens[k] as Token;
    const isOp = (t: Token, op: string) => t.kind === 'op' && t.op === op;

    const expression = (): Linear => {
      let left = term();
      for (let t = peek(); isOp(t, '+') || isOp(t, '-'); t = peek()) {
        k += 1;
        const right = term();
        left = add(left, isOp(t, '-') ? scale(right, -1) : right, t.pos);
      }
      return left;
    };
    const term = (): Linear => {
      let left = factor();
      for (let t = peek(); isOp(t, '*'); t = peek()) {
        k += 1;
        const right = factor();
        if (!isConstant(left) && !isConstant(right))
          throw new ParseFailure('two meters cannot be multiplied (the expression must be linear)', t.pos);
        left = isConstant(left) ? scale(right, left.constant) : scale(left, right.constant);
      }
      return left;
    };
    const factor = (): Linear => {
      const t = peek();
      k += 1;
      if (t.kind === 'number') return { terms: new Map(), constant: t.value };
      if (t.kind === 'id') return { terms: new Map([[t.id, [1, t.pos]]]), constant: 0 };
      if (t.kind === 'op' && t.op === '-') return scale(factor(), -1);
      if (t.kind === 'op' && t.op === '(') {
        const inner = expression();
        const close = peek();
        if (!isOp(close, ')')) throw new ParseFailure('expected ")"', close.pos);
        k += 1;
        return inner;
      }
      throw new ParseFailure(
        t.kind === 'end' ? 'unexpected end of expression' : `unexpected "${t.kind === 'op' ? t.op : ''}"`,
        t.pos,
      );
    };

    const result = expression();
    const rest = peek();
    if (rest.kind !== 'end')
      throw new ParseFailure(
        rest.kind === 'op' && rest.op === ')'
          ? 'unbalanced ")"'
          : 'expected an operator (+, - or *; a subtraction needs a space before "-")',
        rest.pos,
      );
    if (isConstant(result)) throw new ParseFailure('the expression names no meter', 0);
    return {
      ok: {
        text,
        terms: [...result.terms].map(([meterId, [coefficient, position]]) => ({ meterId, coefficient, position })),
      },
    };
  } catch (e) {
    if (e instanceof ParseFailure) return { error: { message: e.message, position: e.position } };
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Resolution: virtual meters that name other virtual meters are expanded into
// real meters, and every coefficient absorbs the unit conversion.

export interface VirtualMeterDefinition {
  readonly id: string;
  readonly name?: string | undefined;
  readonly institutionId: string;
  readonly carrier: string;
  readonly unit: string;
  readonly expression: string;
  readonly endUse?: string | undefined;
}

export interface MeterUnitOf {
  readonly id: string;
  readonly carrier: string;
  readonly unit: string;
}

export interface ResolvedVirtualMeter {
  readonly id: string;
  readonly name: string | null;
  readonly institutionId: string;
  readonly carrier: string;
  readonly unit: string;
  readonly expression: string;
  readonly endUse: string | null;
  /** Real meters only; coefficient × the meter's amount (in its own unit) is in the virtual meter's unit. */
  readonly terms: readonly { readonly meterId: string; readonly coefficient: number }[];
}

const isCarrier = (c: string): c is Carrier => (CARRIERS as readonly string[]).includes(c);

/** Factor from `unit` to the carrier's base unit, when the kernel knows an exact one. */
export function unitFactor(carrier: string, unit: string): number | undefined {
  return isCarrier(carrier) ? toBaseUnit(carrier, unit as Unit, 1) : undefined;
}

/**
 * Expands every virtual meter into real meters. The fleet validation
 * (validateVirtualMeters, ./validate-virtual-meters.ts) reports unknown ids, cycles, carrier and unit
 * mismatches with their paths; meeting one here is a bug, so it throws.
 */
export function resolveVirtualMeters(
  definitions: readonly VirtualMeterDefinition[],
  meters: readonly MeterUnitOf[],
): ResolvedVirtualMeter[] {
  const real = new Map(meters.map((m) => [m.id, m]));
  const virtual = new Map(definitions.map((d) => [d.id, d]));
  const expanded = new Map<string, Map<string, number>>(); // virtual id → real id → coefficient in carrier base units
  const expand = (def: VirtualMeterDefinition, path: readonly string[]): Map<string, number> => {
    const known = expanded.get(def.id);
    if (known !== undefined) return known;
    if (path.includes(def.id)) throw new Error(`cycle among virtual meters: ${[...path, def.id].join(' → ')}`);
    const parsed = parseMeterExpression(def.expression);
    if ('error' in parsed)
      throw new Error(`virtual meter ${def.id}: ${parsed.error.message} at ${parsed.error.position}`);
    const out = new Map<string, number>();
    for (const term of parsed.ok.terms) {
      const r = real.get(term.meterId);
      const v = virtual.get(term.meterId);
      const ref = r ?? v;
      if (ref === undefined) throw new Error(`virtual meter ${def.id}: unknown meter ${term.meterId}`);
      if (ref.carrier !== def.carrier)
        throw new Error(`virtual meter ${def.id}: ${term.meterId} meters ${ref.carrier}, not ${def.carrier}`);
      const parts =
        r !== undefined
          ? new Map([[r.id, unitFactor(r.carrier, r.unit)]])
          : expand(v as VirtualMeterDefinition, [...path, def.id]);
      for (const [meterId, factor] of parts) {
        if (factor === undefined) throw new Error(`virtual meter ${def.id}: no exact conversion of ${meterId}'s unit`);
        out.set(meterId, (out.get(meterId) ?? 0) + term.coefficient * factor);
      }
    }
    expanded.set(def.id, out);
    return out;
  };
  return definitions.map((def) => {
    const toUnit = unitFactor(def.carrier, def.unit);
    if (toUnit === undefined)
      throw new Error(`virtual meter ${def.id}: unit ${def.unit} has no exact conversion for ${def.carrier}`);
    const terms = [...expand(def, [])].map(([meterId, base]) => ({ meterId, coefficient: base / toUnit }));
    return {
      id: def.id,
      name: def.name ?? null,
      institutionId: def.institutionId,
      carrier: def.carrier,
      unit: def.unit,
      expression: def.expression,
      endUse: def.endUse ?? null,
      terms,
    };
  });
}

// ---------------------------------------------------------------------------
// Evaluation

/** The figures of a real meter over a period or a bucket, in its own unit. */
export interface ReferencedFigures {
  readonly consumption: number;
  readonly estimatedAmount: number;
  readonly quarantinedAmount: number;
  readonly receivedReadings: number;
  readonly expectedReadings: number;
}

export interface VirtualMeterValue {
  /** Σ coefficient × consumption, in the virtual meter's unit; negative values are kept, never clipped. */
  readonly consumption: number;
  /**
   * Σ |coefficient| × estimated amount: the part of the result that rests on
   * estimates. A subtracted estimate is as uncertain as an added one, so the
   * magnitudes add; it can exceed |consumption| (a small remainder of large,
   * partly estimated meters), which the share then caps at 1.
   */
  readonly estimatedAmount: number;
  /** min(1, estimatedAmount / |consumption|); 0 when the result is 0. */
  readonly estimatedShare: number;
  /**
   * Σ |coefficient| × quarantined amount: how far the result could move once the
   * quarantined intervals are reviewed (they are booked in no meter, so in no
   * virtual meter either).
   */
  readonly quarantinedAmount: number;
  /** The lowest completeness (received / expected, capped at 1) over the referenced meters; null when none expected a reading. */
  readonly completeness: number | null;
  /** A result below zero: the subtracted meters read more than the others (an imbalance to check). */
  readonly negative: boolean;
  /** Referenced meters that had no figures at all (counted as 0, completeness 0). */
  readonly missingMeterIds: readonly string[];
}

export function evaluateVirtualMeter(
  meter: ResolvedVirtualMeter,
  figuresOf: (meterId: string) => ReferencedFigures | undefined,
): VirtualMeterValue {
  let consumption = 0;
  let estimatedAmount = 0;
  let quarantinedAmount = 0;
  let completeness: number | null = null;
  const missingMeterIds: string[] = [];
  for (const { meterId, coefficient } of meter.terms) {
    const f = figuresOf(meterId);
    if (f === undefined) {
      missingMeterIds.push(meterId);
      completeness = 0;
      continue;
    }
    consumption += coefficient * f.consumption;
    estimatedAmount += Math.abs(coefficient) * f.estimatedAmount;
    quarantinedAmount += Math.abs(coefficient) * f.quarantinedAmount;
    if (f.expectedReadings > 0) {
      const share = Math.min(f.receivedReadings, f.expectedReadings) / f.expectedReadings;
      completeness = completeness === null ? share : Math.min(completeness, share);
    }
  }
  return {
    consumption,
    estimatedAmount,
    estimatedShare: consumption === 0 ? 0 : Math.min(1, estimatedAmount / Math.abs(consumption)),
    quarantinedAmount,
    completeness,
    negative: consumption < 0,
    missingMeterIds,
  };
}

/** A virtual meter as printed on a report. */
export interface VirtualMeterRow extends VirtualMeterValue {
  readonly id: string;
  readonly name: string | null;
  readonly institutionId: string;
  readonly carrier: string;
  readonly endUse: string | null;
  readonly expression: string;
  readonly unit: string;
  /** The real meters the expression expands to, with the coefficient (into `unit`) of each. */
  readonly terms: readonly { readonly meterId: string; readonly coefficient: number }[];
}

/**
 * The virtual meters of the given institutions over a period. They are listed
 * beside the report's lines and never added to a carrier total: their energy is
 * already in the real meters they are computed from.
 */
export function virtualMeterRows(
  meters: readonly ResolvedVirtualMeter[],
  institutionIds: ReadonlySet<string>,
  figures: ReadonlyMap<string, ReferencedFigures>,
): VirtualMeterRow[] {
  return meters
    .filter((m) => institutionIds.has(m.institutionId))
    .map((m) => ({
      id: m.id,
      name: m.name,
      institutionId: m.institutionId,
      carrier: m.carrier,
      endUse: m.endUse,
      expression: m.expression,
      unit: m.unit,
      terms: m.terms,
      ...evaluateVirtualMeter(m, (id) => figures.get(id)),
    }));
}
