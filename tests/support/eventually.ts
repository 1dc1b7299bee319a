import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  /** Give up after this long (default 10 000 ms). */
  timeoutMs?: number;
  /** Pause between attempts (default 50 ms). */
  intervalMs?: number;
  /** Says what was awaited; leads the error thrown on timeout. */
  message?: string;
  /** Stops polling at once, rejecting with the signal's reason (e.g. the awaited process died). */
  signal?: AbortSignal;
}

/**
 * Polls `fn` until it returns (or resolves) without throwing, and returns its
 * value. On timeout it throws an Error naming `message`, with the last failure
 * as `cause`. An attempt still running at the deadline is abandoned. This is the
 * only way tests wait for effects: never a fixed sleep.
 */
export async function eventually<T>(fn: () => Promise<T> | T, opts: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let lastError: unknown = new Error('no attempt finished before the deadline');
  for (;;) {
    opts.signal?.throwIfAborted();
    attempts += 1;
    const remainingMs = deadline - Date.now();
    try {
      return await withDeadline(Promise.resolve().then(fn), Math.max(remainingMs, 0));
    } catch (err) {
      if (err !== DEADLINE) lastError = err;
    }
    opts.signal?.throwIfAborted();
    if (Date.now() + intervalMs > deadline) break;
    try {
      await delay(intervalMs, undefined, { signal: opts.signal });
    } catch {
      opts.signal?.throwIfAborted();
    }
  }
  const what = opts.message ?? 'condition';
  const last = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(
    `eventually: ${what} not met within ${timeoutMs} ms after ${attempts} attempts; last failure: ${last}`,
    {
      cause: lastError,
    },
  );
}

const DEADLINE = Symbol('deadline');

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(DEADLINE), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
