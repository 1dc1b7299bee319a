import type { ComponentChildren } from 'preact';
import type { Resource } from '../../api/use-resource.js';
import { useLocale } from '../../i18n/i18n.js';
import { dataMessages } from './data-labels.js';

/** Loading, the stable error code, or the data rendered by `children`. */
export function ResourceState<T>({ resource, children }: { resource: Resource<T>; children: (data: T) => ComponentChildren }) {
  const locale = useLocale();
  if (resource.state === 'loading') {
    return (
      <p class="empty" role="status">
        {locale.t(dataMessages, 'loading')}
      </p>
    );
  }
  if (resource.state === 'error') {
    return (
      <p class="error-box" role="alert" data-error-code={resource.code}>
        {locale.t(dataMessages, 'failed', { code: resource.code, message: resource.message })}
      </p>
    );
  }
  return <>{children(resource.data)}</>;
}

/**
 * A chart's figures as a table, folded under it: the screen reader's and the careful reader's equivalent.
 * The caption names it when open; the summary when folded.
 */
export function DataTable({ caption, children }: { caption: string; children: ComponentChildren }) {
  return (
    <details class="data-table">
      <summary>{caption}</summary>
      <div class="table-wrap">
        <table>
          <caption class="sr-only">{caption}</caption>
          {children}
        </table>
      </div>
    </details>
  );
}
