import { describe, expect, it } from 'vitest';
import { batchWaitMs, LINGER_FACTOR, MIN_BATCH_FRACTION, type BatchState } from './batch-wait.js';

const base: BatchState = {
  backlogRecords: 1,
  elapsedMs: 0,
  lastWriteDurationMs: 0,
  batchSize: 5000,
  flushIntervalMs: 100,
};
const minBatch = Math.ceil(5000 * MIN_BATCH_FRACTION);

describe('batchWaitMs', () => {
  it('sends a full batch at once, fast store or slow', () => {
    expect(batchWaitMs({ ...base, backlogRecords: 5000 })).toBe(0);
    expect(batchWaitMs({ ...base, backlogRecords: 6000, lastWriteDurationMs: 500 })).toBe(0);
  });

  it('with a fast store, sends any backlog one flush interval after the last write', () => {
    expect(batchWaitMs({ ...base, elapsedMs: 30 })).toBe(70);
    expect(batchWaitMs({ ...base, elapsedMs: 100 })).toBe(0);
    expect(batchWaitMs({ ...base, elapsedMs: 100, lastWriteDurationMs: 49 })).toBe(0);
  });

  it('with a slow store, waits for the minimum batch up to the linger', () => {
    const slow = { ...base, lastWriteDurationMs: 50 };
    expect(batchWaitMs({ ...slow, elapsedMs: 100, backlogRecords: minBatch - 1 })).toBe(100 * LINGER_FACTOR - 100);
    expect(batchWaitMs({ ...slow, elapsedMs: 100, backlogRecords: minBatch })).toBe(0);
    expect(batchWaitMs({ ...slow, elapsedMs: 20, backlogRecords: minBatch })).toBe(80);
    expect(batchWaitMs({ ...slow, elapsedMs: 100 * LINGER_FACTOR, backlogRecords: 1 })).toBe(0);
  });
});
