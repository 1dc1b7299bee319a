/**
 * The demo simulator: a deterministic generator of meter readings for the fleet
 * (core/, pure) and its MQTT publisher and CLI (I/O).
 */
export * from './core/index.js';
export {
  runSimulator,
  connectMqttSink,
  type RunSimulatorOptions,
  type SimulatorHandle,
  type SimulatorStats,
  type SimulatorLog,
  type MessageSink,
} from './publish.js';
export {
  runSimulateCommand,
  parseSimulateArgs,
  SIMULATE_USAGE,
  type SimulateCommand,
  type LoadSimulatorConfig,
} from './cli.js';
export {
  simulatorSettingsSchema,
  SIMULATOR_CONFIG,
  type SimulatorSettings,
  type SimulatorConfig,
} from './simulator-settings.js';
