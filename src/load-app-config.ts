import { ACCESS_CONFIG } from '../access/index.js';
import { validateVirtualMeters } from '../accounting/index.js';
import { ALERTS_CONFIG } from '../alerts/index.js';
import { loadConfig, type ConfigWith } from '../config/index.js';
import { PERIODS_CONFIG } from '../periods/index.js';
import { SIMULATOR_CONFIG } from './simulator/index.js';

/**
 * The whole configuration of the service: config/'s settings and fleet checks, the
 * simulator's, alerts' and access' sections, and accounting's virtual-meter checks. config/ imports neither
 * module (.dependency-cruiser.cjs, config-imports-only-kernel); the shell composes them
 * here, in one strict parse, so that unknown keys anywhere are errors and one run lists
 * every problem of the file.
 */
const APP_CONFIG = {
  sections: {
    ...SIMULATOR_CONFIG.sections,
    ...ALERTS_CONFIG.sections,
    ...ACCESS_CONFIG.sections,
    ...PERIODS_CONFIG.sections,
  },
  envOverrides: {
    ...SIMULATOR_CONFIG.envOverrides,
    ...ALERTS_CONFIG.envOverrides,
    ...ACCESS_CONFIG.envOverrides,
    ...PERIODS_CONFIG.envOverrides,
  },
  fleetChecks: [validateVirtualMeters],
  settingsChecks: [...ALERTS_CONFIG.settingsChecks],
};

export type AppConfig = ConfigWith<typeof APP_CONFIG.sections>;

/**
 * Loads, merges and validates the configuration for `serve`, `check-config` and
 * `simulate`; every problem at once in AppError('CONFIG_INVALID').details.
 */
export function loadAppConfig(file: string, env: NodeJS.ProcessEnv = process.env): AppConfig {
  return loadConfig(file, env, APP_CONFIG);
}
