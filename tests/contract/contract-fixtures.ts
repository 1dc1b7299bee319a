import type { QuarantineRecord, Reading } from '../../src/kernel/index.js';

/** Inputs shared by the store contract suites (ingest-store.contract.ts, accounting-store.contract.ts). */
export const T0 = Date.UTC(2026, 9, 1); // 2026-10-01T00:00:00Z
export const SECOND = 1_000;
export const ALL = { fromMs: 0, toMs: Date.UTC(2100, 0, 1) };

export function reading(meterId: string, tsMs: number, value: number, extra: Partial<Reading> = {}): Reading {
  return { meterId, tsMs, value, seq: null, receivedAtMs: tsMs + 250, quality: 'ok', ...extra };
}

export function quarantined(id: string, receivedAtMs: number, extra: Partial<QuarantineRecord> = {}): QuarantineRecord {
  return {
    id,
    receivedAtMs,
    topic: 'meters/m1/reading',
    meterId: 'm1',
    reason: 'schema_violation',
    detail: 'value missing',
    payload: '{"v":1}',
    ...extra,
  };
}
