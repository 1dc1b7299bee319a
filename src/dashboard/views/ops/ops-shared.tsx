import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiClient, type Query } from '../../api/api-client.js';
import { sameDeps } from '../../api/use-resource.js';
import { useLocale, type Messages } from '../../i18n/i18n.js';

/** The words the three views share: loading, the refusal's code, the empty table. */
export const sharedMessages: Messages<'loading' | 'failed' | 'code' | 'empty' | 'cancel' | 'confirm' | 'by'> = {
  zh: {
    loading: '加载中…',
    failed: '服务拒绝了请求',
    code: '错误代码',
    empty: '没有记录',
    cancel: '取消',
    confirm: '确认',
    by: '操作人',
  },
  en: {
    loading: 'Loading…',
    failed: 'The service refused the request',
    code: 'error code',
    empty: 'Nothing to show',
    cancel: 'Cancel',
    confirm: 'Confirm',
    by: 'Your name',
  },
};

export type Load<T> = { state: 'loading' } | { state: 'done'; value: T } | { state: 'failed'; error: ApiError | Error };

/**
 * Fetch on mount, whenever `deps` change and on `reload()`; an answer to an older request is dropped. As with
 * useResource, an answer is kept with the request it belongs to, so the render that starts a new request
 * already shows `loading`.
 */
export function useLoad<T>(fetcher: () => Promise<T>, deps: readonly unknown[]): [Load<T>, () => void] {
  const [round, setRound] = useState(0);
  const request = [...deps, round];
  const [answer, setAnswer] = useState<{ request: readonly unknown[]; load: Load<T> }>({
    request,
    load: { state: 'loading' },
  });
  useEffect(() => {
    let current = true;
    fetcher().then(
      (value) => current && setAnswer({ request, load: { state: 'done', value } }),
      (error: unknown) => current && setAnswer({ request, load: { state: 'failed', error: asError(error) } }),
    );
    return () => {
      current = false;
    };
    // The caller names what the fetch depends on, as with useEffect itself.
  }, request);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return [sameDeps(answer.request, request) ? answer.load : { state: 'loading' }, reload];
}

export function asError(error: unknown): ApiError | Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A refusal as the officer sees it: the stable code (to quote to support) and the service's message. */
export function ErrorNote({ error, id }: { error: ApiError | Error; id?: string }) {
  const { t } = useLocale();
  const code = error instanceof ApiError ? error.code : 'NETWORK_ERROR';
  return (
    <p class="ops-error" role="alert" id={id} tabIndex={-1} data-error-code={code}>
      {t(sharedMessages, 'failed')} ({t(sharedMessages, 'code')} <code>{code}</code>): {error.message}
    </p>
  );
}

export function Loading() {
  const { t } = useLocale();
  return (
    <p class="ops-muted" role="status">
      {t(sharedMessages, 'loading')}
    </p>
  );
}

/**
 * Saves a file answer: the API client fetches it with the bearer token (a plain
 * link could not send it), and an object URL hands the bytes to the browser.
 */
export async function saveDownload(api: ApiClient, path: string, query: Query): Promise<string> {
  const { blob, fileName } = await api.download(path, query);
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the save in some browsers; a minute is ample.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return fileName;
}

/** Focus an element once it is in the DOM (after the render that adds it). */
export function focusSoon(id: string): void {
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

export interface ConfirmFormProps {
  id: string;
  /** The form's accessible name: what it confirms. */
  label: string;
  /** The submit button's text. */
  submitLabel: string;
  /** The submit button's id, to focus it when the form has no field (`${id}-first` by convention). */
  submitId?: string | undefined;
  /** What identifies the form to the tests (data-action, data-step). */
  data: Readonly<Record<`data-${string}`, string>>;
  /** The request the form confirms; a refusal is shown under the fields with its code, and focused. */
  onSubmit: () => Promise<void>;
  onCancel: () => void;
  /** The fields (and any question) above the buttons. */
  children?: ComponentChildren;
}

/**
 * The inline confirmation of an action (acknowledge or resolve an alert; submit, approve or return a period):
 * the fields, the refusal if any, confirm and cancel; Escape cancels; confirm is disabled while the request runs.
 */
export function ConfirmForm({
  id,
  label,
  submitLabel,
  submitId,
  data,
  onSubmit,
  onCancel,
  children,
}: ConfirmFormProps) {
  const { t } = useLocale();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit();
    } catch (caught) {
      setError(asError(caught));
      focusSoon(`${id}-error`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      id={id}
      class="ops-form"
      aria-label={label}
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
      {...data}
    >
      {children}
      {error === undefined ? null : <ErrorNote error={error} id={`${id}-error`} />}
      <div class="ops-buttons">
        <button type="submit" id={submitId} disabled={busy}>
          {submitLabel}
        </button>
        <button type="button" onClick={onCancel}>
          {t(sharedMessages, 'cancel')}
        </button>
      </div>
    </form>
  );
}
