import type { DashboardView } from '../dashboard-view.js';
import { carbonView } from './carbon-view.js';
import { consumptionView } from './consumption-view.js';
import { quotasView } from './quotas-view.js';

/** The views of the figures: consumption, quotas and intensities, carbon by scope (issue 10 §2). */
export const dataViews: readonly DashboardView[] = [consumptionView, quotasView, carbonView];
