/** The one place that reads the wall clock; cores receive time as a value. */
export const systemClock = { nowMs: (): number => Date.now() };
