import type { ComponentType } from 'preact';
import type { ApiClient } from '../api/api-client.js';
import type { Messages } from '../i18n/i18n.js';

/**
 * A view of the dashboard: one entry of the navigation, shown for the org unit
 * selected in the org tree. The shell (app.tsx) owns the login, the tree, the
 * language switch and the navigation; a view owns its data fetching, its
 * messages and its rendering, and knows nothing of the other views.
 */
export interface DashboardView {
  /** Stable id, used in the URL hash (#/<id>/<orgId>) and by the browser tests. */
  id: string;
  title: Messages<'title'>;
  component: ComponentType<ViewProps>;
}

export interface ViewProps {
  api: ApiClient;
  /** The org unit selected in the tree (region, city, county or institution id). */
  orgId: string;
  /** What the logged-in token may do (from GET /api/v1/tokens/self or the role), to hide what it may not. */
  session: Session;
}

export interface Session {
  role: 'auditor' | 'energy_officer' | 'administrator';
  /** The org subtree the token covers; '*' for the whole fleet. */
  scopeOrgId: string;
  permissions: readonly string[];
}
