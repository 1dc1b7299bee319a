import { nowMs } from './fleet-publisher.js';

/** One look at the store: how many readings are visible, and the highest visible seq of each probe meter. */
export interface StoreSample {
  /** When the answer arrived: the state it shows was visible by then. */
  readonly atMs: number;
  /** How long the two queries took (the sample's uncertainty). */
  readonly queryMs: number;
  readonly count: number;
  /** Highest visible seq per probe meter (index into probeMeters), -1 when none. */
  readonly probeMaxSeq: readonly number[];
  /** Visible rows per probe meter (to check that max seq is a contiguous prefix). */
  readonly probeCount: readonly number[];
}

/** Runs one SQL statement on QuestDB's /exec endpoint and returns its rows. */
export async function questDbExec(url: string, sql: string): Promise<unknown[][]> {
  const response = await fetch(`${url}/exec?query=${encodeURIComponent(sql)}`, { signal: AbortSignal.timeout(30_000) });
  const json = (await response.json()) as { dataset?: unknown[][]; error?: string };
  if (!response.ok || json.error !== undefined)
    throw new Error(`QuestDB /exec failed (${response.status}): ${json.error ?? ''} for ${sql}`);
  return json.dataset ?? [];
}

/**
 * Polls QuestDB every `intervalMs` for the visible row count and, for a few
 * probe meters, the highest visible seq. A reading's "stored" moment is the
 * first sample that shows it: visible to a query, which is what stored means to
 * a user of the product (ILP confirms at WAL commit; rows become visible when the
 * WAL is applied, a little later).
 */
export class StoreSampler {
  readonly samples: StoreSample[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private waiters: { target: number; resolve: (sample: StoreSample) => void }[] = [];
  private readonly probeSql: string;
  private lastError: unknown;

  constructor(
    private readonly url: string,
    private readonly probeMeterIds: readonly string[],
    private readonly intervalMs: number,
    /** The table to watch (bench/peers gives each consumer its own). */
    private readonly table = 'readings',
  ) {
    this.probeSql = `SELECT meter_id, max(seq), count() FROM ${table} WHERE meter_id IN (${probeMeterIds.map((id) => `'${id}'`).join(',')})`;
  }

  start(): void {
    this.running = true;
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  latest(): StoreSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  /** Resolves with the first sample whose count is at least `target` (rejects after timeoutMs). */
  waitForCount(target: number, timeoutMs: number): Promise<StoreSample> {
    const latest = this.latest();
    if (latest && latest.count >= target) return Promise.resolve(latest);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `store holds ${this.latest()?.count ?? 0} of ${target} readings after ${timeoutMs} ms (last sampler error: ${String(this.lastError)})`,
          ),
        );
      }, timeoutMs);
      const done = (sample: StoreSample) => {
        clearTimeout(timer);
        resolve(sample);
      };
      this.waiters.push({ target, resolve: done });
    });
  }

  private async run(): Promise<void> {
    const probeIndex = new Map(this.probeMeterIds.map((id, i) => [id, i]));
    while (this.running) {
      const sentMs = nowMs();
      try {
        const [countRows, probeRows] = await Promise.all([
          questDbExec(this.url, `SELECT count() FROM ${this.table}`),
          questDbExec(this.url, this.probeSql),
        ]);
        const atMs = nowMs();
        const probeMaxSeq = this.probeMeterIds.map(() => -1);
        const probeCount = this.probeMeterIds.map(() => 0);
        for (const row of probeRows) {
          const i = probeIndex.get(String(row[0]));
          if (i === undefined) continue;
          probeMaxSeq[i] = row[1] === null ? -1 : Number(row[1]);
          probeCount[i] = Number(row[2]);
        }
        const sample: StoreSample = {
          atMs,
          queryMs: atMs - sentMs,
          count: Number(countRows[0]?.[0] ?? 0),
          probeMaxSeq,
          probeCount,
        };
        this.samples.push(sample);
        const ready = this.waiters.filter((w) => sample.count >= w.target);
        this.waiters = this.waiters.filter((w) => sample.count < w.target);
        for (const w of ready) w.resolve(sample);
      } catch (error) {
        this.lastError = error; // the table may not exist yet, or QuestDB is busy: try again
      }
      const waitMs = this.intervalMs - (nowMs() - sentMs);
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/**
 * Per probe reading of a phase's seq range: publish → the first store sample in which the probe meter's max
 * visible seq reached its seq (NaN when none did). Readings are indexed `seq * meters + meter` in publishedAtMs.
 */
export function storedLatencies(
  samples: readonly StoreSample[],
  phase: { readonly fromSeq: number; readonly toSeq: number },
  publishedAtMs: Float64Array,
  fleet: { readonly meters: number; readonly probeMeters: readonly number[] },
): number[] {
  const latencies: number[] = [];
  fleet.probeMeters.forEach((m, p) => {
    let seq = phase.fromSeq;
    for (const sample of samples) {
      while (seq < phase.toSeq && (sample.probeMaxSeq[p] ?? -1) >= seq) {
        latencies.push(sample.atMs - (publishedAtMs[seq * fleet.meters + m] ?? Number.NaN));
        seq++;
      }
    }
    for (; seq < phase.toSeq; seq++) latencies.push(Number.NaN);
  });
  return latencies;
}
