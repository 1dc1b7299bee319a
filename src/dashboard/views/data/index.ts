import type { DashboardView } from '../dashboard-view.js';

/** The views of the figures: consumption, quotas and intensities, carbon by scope (issue 10 §2). */
export const dataViews: readonly DashboardView[] = [];
