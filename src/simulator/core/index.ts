export { mulberry32, hashString, unitHash } from './prng.js';
export { CN_HOLIDAYS, cnDayKind, isWorkingDay, type DayKind, type HolidayYear } from './cn-holidays.js';
export { YINCHUAN, outdoorTempC, sunElevationSin, skyClearness, type Site } from './weather.js';
export {
  PROFILE_KINDS,
  profileKindFor,
  loadFraction,
  occupancy,
  type ProfileKind,
  type SlotContext,
  type OccupancyPattern,
} from './profiles.js';
export {
  MODEL_SLOT_MS,
  createFleetModel,
  type FleetModel,
  type FleetModelOptions,
  type ModelMeter,
} from './fleet-model.js';
export {
  FAULT_KINDS,
  FAULT_DESCRIPTIONS,
  DEFAULT_FAULTS,
  MALFORMED_VARIANTS,
  faultsFor,
  parseFaultKinds,
  expectedRejection,
  type FaultKind,
  type FaultConfig,
  type MalformedVariant,
} from './faults.js';
export {
  DEFAULT_INTERVAL_MS,
  DEMO_REGISTER_ORIGIN_MS,
  createSimulation,
  generateReadings,
  tickTimes,
  type Simulation,
  type SimulationOptions,
  type GenerateOptions,
  type SimEvent,
  type SimReading,
  type SimMalformed,
  type SimDropped,
} from './simulation.js';
export {
  createEncoder,
  splitSenmlName,
  jsonTopic,
  senmlTopic,
  tasmotaTopic,
  type Encoder,
  type EncoderOptions,
  type JsonTimestampStyle,
  type MeterRoute,
  type MqttMessage,
} from './encode.js';
