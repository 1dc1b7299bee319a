export {
  loadConfig,
  configFileFrom,
  formatProblems,
  DEMO_CONFIG_FILE,
  ENV_OVERRIDES,
  type Config,
  type ConfigExtension,
  type ConfigSections,
  type ConfigWith,
  type FleetCheck,
  type SettingsCheck,
} from './load-config.js';
export { validateFleet, type ConfigProblem } from './validate-fleet.js';
export * from './fleet-schema.js';
export { settingsSchema, type Settings } from './settings-schema.js';
export { createFleetRegistry, type FleetRegistry, type MeterView } from './fleet-registry.js';
export { readFactorCatalogue, type FactorCatalogueConfig } from './factor-catalogue-schema.js';
