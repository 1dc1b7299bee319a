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
  /** The permission the view needs (e.g. 'alerts:read'); the shell hides its tab from a session without it. */
  permission?: string;
  /**
   * Asks the view's first data for `orgId` before the view mounts (the shell calls it beside the login check when
   * the page opens on this view); the view takes the answer when it mounts for the same org.
   */
  prefetch?: (api: ApiClient, orgId: string) => void;
  /** The view draws charts: when the page opens on it, the chart library loads beside the login check. */
  charts?: boolean;
}

export interface ViewProps {
  api: ApiClient;
  /** The org unit selected in the tree (region, city, county or institution id). */
  orgId: string;
  /** What the logged-in token may do (from GET /api/v1/session), to hide what it may not. */
  session: Session;
  /**
   * The org units and institutions of the tree (GET /api/v1/orgs, cut to the token's scope), loaded once by the
   * shell: names, levels, parents; an institution's time zone, floor area and occupants.
   */
  orgs: readonly OrgEntry[];
}

/**
 * The convention the browser tests, the screenshots and bench/dashboard wait on: the shell renders the view
 * inside `<section data-view="<id>">`; the view sets `data-ready="true"` on an element once its data is
 * rendered (also when the data is an error or empty), and drops it while it loads again. A panel the view loads
 * only after its main content (the consumption view's end uses) carries `aria-busy="true"` while it loads:
 * data-ready says the main content is shown and the page answers input (bench/dashboard's time to interactive),
 * data-ready with no aria-busy left inside the view says everything is shown (the screenshots, axe-core).
 */
export const READY_ATTRIBUTE = 'data-ready';

export interface Session {
  role: 'auditor' | 'energy_officer' | 'administrator';
  /** The org subtree the token covers; '*' for the whole fleet. */
  scopeOrgId: string;
  permissions: readonly string[];
  /** The token's name or the JWT's subject (added for the header). */
  subject: string;
  via: 'token' | 'jwt';
  /** ISO instant an API token expires at; null for a JWT. */
  expiresAt: string | null;
}

/** A node of GET /api/v1/orgs: an org unit (region, city, county, district) or an institution with its details. */
export interface OrgEntry {
  id: string;
  name: string;
  level: string;
  parent: string | null;
  kind: 'org' | 'institution';
  timezone?: string;
  floorAreaM2?: number | null;
  occupants?: number | null;
}
