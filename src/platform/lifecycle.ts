/**
 * Start and stop of the service's parts. Components start one after the other in
 * the order given (which must be a dependency order: each component's dependsOn
 * names components listed before it) and stop in the reverse order. A failed
 * start stops what had already started. Each stop has a time limit: a component
 * that does not stop in time is logged and left behind, and the others still stop.
 */

export interface Component {
  readonly name: string;
  /** Names of components that must be started before this one (checked, not reordered). */
  readonly dependsOn?: readonly string[];
  /** The signal aborts when stop() is called while this component is still starting. */
  start(signal: AbortSignal): Promise<void> | void;
  stop(): Promise<void> | void;
  /** Overrides the lifecycle's stopTimeoutMs for this component (e.g. a drain with its own deadline). */
  readonly stopTimeoutMs?: number;
}

export interface LifecycleLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface LifecycleOptions {
  readonly log: LifecycleLog;
  /** Time limit of each component's stop, default 5 000 ms. */
  readonly stopTimeoutMs?: number;
}

export interface Lifecycle {
  /** Starts every component in order; on a failure, stops the started ones (reverse order) and rethrows. */
  start(): Promise<void>;
  /** Stops the started components in reverse order; idempotent. Aborts a start still in progress. */
  stop(): Promise<void>;
  /** Names of the components started and not yet stopped, in start order. */
  running(): readonly string[];
}

const DEFAULT_STOP_TIMEOUT_MS = 5_000;

export function createLifecycle(components: readonly Component[], options: LifecycleOptions): Lifecycle {
  checkOrder(components);
  const { log } = options;
  const started: Component[] = [];
  const abort = new AbortController();
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const stopStarted = async () => {
    for (const component of [...started].reverse()) {
      await stopOne(component, component.stopTimeoutMs ?? options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, log);
      started.splice(started.indexOf(component), 1);
    }
  };

  const startAll = async () => {
    for (const component of components) {
      if (abort.signal.aborted) {
        await stopStarted();
        throw abortError(component.name);
      }
      try {
        await component.start(abort.signal);
      } catch (error) {
        if (!abort.signal.aborted) log.error({ err: error, component: component.name }, 'component failed to start');
        await stopStarted();
        throw error;
      }
      started.push(component);
    }
  };

  return {
    start() {
      starting ??= startAll();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        abort.abort();
        // A start in progress unwinds itself (it stops what it started); wait for that first.
        await starting?.catch(() => undefined);
        await stopStarted();
      })();
      return stopping;
    },
    running: () => started.map((c) => c.name),
  };
}

async function stopOne(component: Component, timeoutMs: number, log: LifecycleLog): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(() => component.stop()), timedOut]);
    if (outcome === 'timeout') {
      log.warn({ component: component.name, timeoutMs }, 'component did not stop in time; skipped');
    }
  } catch (error) {
    log.error({ err: error, component: component.name }, 'component failed to stop; the others still stop');
  } finally {
    clearTimeout(timer);
  }
}

function checkOrder(components: readonly Component[]): void {
  const seen = new Set<string>();
  for (const component of components) {
    if (seen.has(component.name)) throw new Error(`lifecycle: component ${component.name} is listed twice`);
    for (const dependency of component.dependsOn ?? []) {
      if (!seen.has(dependency)) {
        throw new Error(`lifecycle: ${component.name} depends on ${dependency}, which is not listed before it`);
      }
    }
    seen.add(component.name);
  }
}

function abortError(name: string): Error {
  return new Error(`lifecycle: stopped before ${name} started`);
}
