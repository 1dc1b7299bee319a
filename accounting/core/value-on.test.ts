import { describe, expect, it } from 'vitest';
import { valueOn } from './value-on.js';

describe('valueOn', () => {
  const area = [
    { from: '2026-10-10', value: 12_000 },
    { from: '2020-01-01', value: 10_000 },
  ];

  it('takes the latest entry that has started, in any order', () => {
    expect(valueOn(area, '2026-10-09')).toBe(10_000);
    expect(valueOn(area, '2026-10-10')).toBe(12_000);
    expect(valueOn(area, '2030-01-01')).toBe(12_000);
  });

  it('is null before the first entry and for no entries', () => {
    expect(valueOn(area, '2019-12-31')).toBeNull();
    expect(valueOn([], '2026-10-01')).toBeNull();
  });
});
