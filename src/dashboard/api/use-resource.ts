import { useLayoutEffect, useState } from 'preact/hooks';
import { ApiError } from './api-client.js';

/** What a view shows while it loads one thing from the API: loading, the data, or the stable error code. */
export type Resource<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'ready'; readonly data: T }
  | { readonly state: 'error'; readonly code: string; readonly message: string };

/** Whether two dependency lists name the same request (compared item by item, as hooks compare them). */
export function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((item, i) => Object.is(item, b[i]));
}

/**
 * Loads again whenever `deps` change (another org, another bucket); an answer that arrives after the deps
 * moved on is dropped, so a slow request never overwrites a newer one. Each answer is kept with the deps it
 * was asked for: in the render where the deps change, before the effect has run, the view already sees
 * `loading`, never the previous request's answer (or a `data-ready` marker that belongs to it).
 *
 * `when: false` holds the request back (the resource stays `loading`) until it turns true: a panel loaded after
 * the view's main content, so that its requests do not queue before the main ones on the server.
 */
export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[], when = true): Resource<T> {
  const request = [...deps, when];
  const [answer, setAnswer] = useState<{ deps: readonly unknown[]; resource: Resource<T> }>({
    deps: request,
    resource: { state: 'loading' },
  });
  // A layout effect: the request leaves as the render that needs it is committed, not a frame later after the
  // paint (on a loaded machine a frame can be long; the answer cannot come sooner than the request leaves).
  useLayoutEffect(() => {
    if (!when) return;
    let current = true;
    load().then(
      (data) => {
        if (current) setAnswer({ deps: request, resource: { state: 'ready', data } });
      },
      (error: unknown) => {
        if (!current) return;
        const code = error instanceof ApiError ? error.code : 'NETWORK';
        const message = error instanceof Error ? error.message : String(error);
        setAnswer({ deps: request, resource: { state: 'error', code, message } });
      },
    );
    return () => {
      current = false;
    };
    // The caller names what the load depends on, as with useEffect itself.
  }, request);
  return sameDeps(answer.deps, request) ? answer.resource : { state: 'loading' };
}
