import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './error-codes.js';
import { REJECTION_REASONS } from './rejection-reasons.js';

describe('error code catalogue', () => {
  it('has unique codes across operational errors and rejection reasons', () => {
    const all = [...Object.keys(ERROR_CODES), ...REJECTION_REASONS.map((r) => r.toUpperCase())];
    expect(new Set(all).size).toBe(all.length);
  });

  it('maps every operational code to a 4xx or 5xx status', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(entry.httpStatus, code).toBeGreaterThanOrEqual(400);
      expect(entry.httpStatus, code).toBeLessThan(600);
    }
  });

  it('writes rejection reasons in snake_case so they read the same in logs, metrics and API', () => {
    for (const reason of REJECTION_REASONS) expect(reason).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});
