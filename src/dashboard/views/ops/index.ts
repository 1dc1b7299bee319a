import type { DashboardView } from '../dashboard-view.js';

/** The views officers act in: alerts, meter health, reports, periods and their review (issue 10 §2). */
export const opsViews: readonly DashboardView[] = [];
