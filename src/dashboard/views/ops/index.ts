import type { DashboardView } from '../dashboard-view.js';
import { alertsView } from './alerts-view.js';
import { meterHealthView } from './meter-health-view.js';
import { reportsView } from './reports-view.js';
// The views' styles, bundled by Vite with the page.
import './ops.css';

/** The views officers act in: alerts, meter health, reports, periods and their review (issue 10 §2). */
export const opsViews: readonly DashboardView[] = [alertsView, meterHealthView, reportsView];
