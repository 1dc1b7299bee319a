import { z } from 'zod';
import type { Config, ConfigExtension } from '../../config/index.js';
import { FAULT_KINDS } from './core/index.js';

/**
 * The `simulator:` section of the configuration. It lives here, not in config/, because
 * its fault kinds are the simulator's vocabulary; the shell adds it to the config
 * through SIMULATOR_CONFIG (src/load-app-config.ts).
 */
export const simulatorSettingsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  backfillDays: z.number().int().nonnegative().default(60),
  /** The backfill's reading interval (the device's register every so many minutes). */
  backfillIntervalMinutes: z.number().int().min(1).max(1440).default(15),
  /** Live publishing: one reading per meter every intervalMs of wall time. */
  liveIntervalMs: z.number().int().positive().default(15_000),
  seed: z.number().int().default(42),
  /** Fault kinds injected at their default rates (src/simulator/core/faults.ts), e.g. [malformed, duplicate]. */
  faults: z.array(z.enum(FAULT_KINDS)).default([]),
});

export type SimulatorSettings = z.infer<typeof simulatorSettingsSchema>;

/** The simulator's extension of the configuration: its section (absent means all defaults) and env overrides. */
export const SIMULATOR_CONFIG = {
  sections: { simulator: simulatorSettingsSchema.prefault({}) },
  envOverrides: {
    TANHE_SIMULATOR: 'simulator.enabled',
    TANHE_SIMULATOR_BACKFILL_DAYS: 'simulator.backfillDays',
  },
} as const satisfies ConfigExtension;

/** What the simulator reads from a loaded configuration: config's part and its own section. */
export type SimulatorConfig = Config & { readonly simulator: SimulatorSettings };
