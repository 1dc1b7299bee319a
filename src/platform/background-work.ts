import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Marks work nobody waits on (a scheduled job: the alert evaluation, the mail) so that a shared resource can let
 * a request go first: the DuckDB client keeps a read connection the background cannot take
 * (src/platform/duckdb/duckdb-client.ts). The mark follows the work through its awaits (AsyncLocalStorage).
 */
const background = new AsyncLocalStorage<true>();

/** Runs `work` marked as background: everything it starts, awaited or not, carries the mark. */
export function runAsBackground<T>(work: () => Promise<T>): Promise<T> {
  return background.run(true, work);
}

/** True inside work started by runAsBackground. */
export function isBackgroundWork(): boolean {
  return background.getStore() === true;
}
