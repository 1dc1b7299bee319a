import type { DashboardView } from './dashboard-view.js';
import { dataViews } from './data/index.js';
import { opsViews } from './ops/index.js';

/** The navigation, in order: where am I against my quota, what is wrong, what must I explain. */
export const VIEWS: readonly DashboardView[] = [...dataViews, ...opsViews];
