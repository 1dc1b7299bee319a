/**
 * Remembers the latest (meter, timestamp) → value pairs this process has sent to
 * the store, so that a reading delivered twice (a QoS 1 redelivery, a gateway
 * resending its batch) is counted as a duplicate instead of being written again.
 * The store's (meter, ts) de-duplication stays the safety net for what this
 * bounded memory has forgotten (e.g. replays after a restart).
 */
export type KeyVerdict = 'new' | 'duplicate' | 'conflict';

export class RecentKeys {
  private readonly byMeter = new Map<string, MeterKeys>();

  constructor(private readonly perMeter: number) {}

  /** Classifies a reading without remembering it. */
  check(meterId: string, tsMs: number, value: number): KeyVerdict {
    const meter = this.byMeter.get(meterId);
    // A meter's readings mostly come in time order: one later than every key remembered for it is new without
    // a look-up in its map (keyed by epoch-ms doubles, the drainer's costliest step per reading in a profile).
    if (meter === undefined || tsMs > meter.newestTsMs) return 'new';
    const seen = meter.keys.get(tsMs);
    if (seen === undefined) return 'new';
    return Object.is(seen, value) ? 'duplicate' : 'conflict';
  }

  remember(meterId: string, tsMs: number, value: number): void {
    let meter = this.byMeter.get(meterId);
    if (!meter) {
      meter = { keys: new Map(), newestTsMs: tsMs };
      this.byMeter.set(meterId, meter);
    }
    const { keys } = meter;
    keys.set(tsMs, value);
    // Never lowered when a key is forgotten: it only has to be at least every remembered key's timestamp.
    if (tsMs > meter.newestTsMs) meter.newestTsMs = tsMs;
    if (keys.size > this.perMeter) {
      // Map iteration is insertion order: drop the oldest remembered key.
      const oldest = keys.keys().next().value;
      if (oldest !== undefined) keys.delete(oldest);
    }
  }
}

interface MeterKeys {
  /** Remembered timestamp → value, in insertion order (oldest first). */
  readonly keys: Map<number, number>;
  /** At least the latest timestamp in `keys`. */
  newestTsMs: number;
}
