/**
 * What a register can show (docs/methodology.md §3, rollover). `registerMax` is
 * the largest value the register displays; the step after it is 0, so the
 * register counts modulo `registerMax + registerResolution`: a five-digit
 * odometer with two decimals shows 0.00 … 99 999.99 and wraps at 100 000.
 */

/**
 * The resolution a register maximum is written with: 99 999.99 → 0.01,
 * 99 999 999 → 1. Read from the shortest decimal text of the number, which is
 * how it was configured (YAML keeps the written digits).
 */
export function impliedRegisterResolution(registerMax: number): number {
  const text = String(registerMax);
  if (/e/i.test(text)) return 1;
  const dot = text.indexOf('.');
  return dot < 0 ? 1 : 10 ** -(text.length - dot - 1);
}

/** How many decimals a register step is written with: 0.01 → 2, 0.5 → 1, 1 → 0, 1e-7 → 7. */
export function registerDecimals(step: number): number {
  const [mantissa = '', exponent] = String(step).split(/e/i);
  const dot = mantissa.indexOf('.');
  const fraction = dot < 0 ? 0 : mantissa.length - dot - 1;
  return Math.max(0, fraction - Number(exponent ?? 0));
}

/** The register's modulus: the first value it cannot show (it shows 0 instead). */
export function registerModulus(registerMax: number, registerResolution?: number): number {
  const step = registerResolution ?? impliedRegisterResolution(registerMax);
  // Rounded to the decimals of the step and of the maximum: 99 999.99 + 0.01 is 100 000, not 100 000.00000000001.
  const decimals = Math.max(registerDecimals(step), registerDecimals(registerMax));
  return Number((registerMax + step).toFixed(Math.min(decimals, 12)));
}
