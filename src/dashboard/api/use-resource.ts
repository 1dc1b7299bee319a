import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api-client.js';

/** What a view shows while it loads one thing from the API: loading, the data, or the stable error code. */
export type Resource<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'ready'; readonly data: T }
  | { readonly state: 'error'; readonly code: string; readonly message: string };

/**
 * Loads again whenever `deps` change (another org, another bucket); an answer that arrives after the deps
 * moved on is dropped, so a slow request never overwrites a newer one.
 */
export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [resource, setResource] = useState<Resource<T>>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setResource({ state: 'loading' });
    load().then(
      (data) => {
        if (current) setResource({ state: 'ready', data });
      },
      (error: unknown) => {
        if (!current) return;
        const code = error instanceof ApiError ? error.code : 'NETWORK';
        setResource({ state: 'error', code, message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => {
      current = false;
    };
  }, deps);
  return resource;
}
