/**
 * Remembers the latest (meter, timestamp) → value pairs this process has sent to
 * the store, so that a reading delivered twice (a QoS 1 redelivery, a gateway
 * resending its batch) is counted as a duplicate instead of being written again.
 * The store's (meter, ts) de-duplication stays the safety net for what this
 * bounded memory has forgotten (e.g. replays after a restart).
 */
export type KeyVerdict = 'new' | 'duplicate' | 'conflict';

export class RecentKeys {
  private readonly byMeter = new Map<string, Map<number, number>>();

  constructor(private readonly perMeter: number) {}

  /** Classifies a reading without remembering it. */
  check(meterId: string, tsMs: number, value: number): KeyVerdict {
    const seen = this.byMeter.get(meterId)?.get(tsMs);
    if (seen === undefined) return 'new';
    return Object.is(seen, value) ? 'duplicate' : 'conflict';
  }

  remember(meterId: string, tsMs: number, value: number): void {
    let keys = this.byMeter.get(meterId);
    if (!keys) {
      keys = new Map();
      this.byMeter.set(meterId, keys);
    }
    keys.set(tsMs, value);
    if (keys.size > this.perMeter) {
      // Map iteration is insertion order: drop the oldest remembered key.
      const oldest = keys.keys().next().value;
      if (oldest !== undefined) keys.delete(oldest);
    }
  }
}
