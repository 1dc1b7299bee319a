import { useLocale } from '../i18n/i18n.js';
import type { DashboardView } from '../views/dashboard-view.js';
import { hashOf } from './hash-route.js';
import { shellMessages } from './shell-messages.js';

export interface ViewTabsProps {
  views: readonly DashboardView[];
  selectedViewId: string;
  orgId: string;
}

/** The views as plain links (#/<viewId>/<orgId>): the browser's history, new tabs and bookmarks just work. */
export function ViewTabs({ views, selectedViewId, orgId }: ViewTabsProps) {
  const locale = useLocale();
  return (
    <nav class="tabs" aria-label={locale.t(shellMessages, 'views')}>
      <ul>
        {views.map((view) => (
          <li key={view.id}>
            <a
              href={hashOf(view.id, orgId)}
              data-nav={view.id}
              aria-current={view.id === selectedViewId ? 'page' : undefined}
            >
              {locale.t(view.title, 'title')}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
