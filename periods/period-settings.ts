import { z } from 'zod';
import type { ConfigExtension } from '../config/index.js';

/**
 * The `periods:` settings section (composed in src/load-app-config.ts as alerts' is):
 * when a period may close without an override, and where the signing key is.
 */
export const periodSettingsSchema = z.strictObject({
  /** 0..1: completeness (received over expected readings of the root meters) a period closes at without override. */
  completenessThreshold: z.number().min(0).max(1).default(0.95),
  /**
   * PEM (PKCS#8) Ed25519 private key closed revisions are signed with. Absent: the demo's key,
   * generated on the first run beside the DuckDB file (mode 0600) and kept for the next.
   */
  signingKeyPath: z.string().min(1).optional(),
  /**
   * SPKI PEM public keys of signing keys retired by a rotation (docs/periods.md, "Rotating the key"):
   * revisions they signed still verify; nothing new is signed with them.
   */
  retiredPublicKeyPaths: z.array(z.string().min(1)).default([]),
});

export type PeriodSettings = z.infer<typeof periodSettingsSchema>;

export const PERIODS_CONFIG = {
  sections: { periods: periodSettingsSchema.prefault({}) },
  envOverrides: { TANHE_PERIODS_SIGNING_KEY: 'periods.signingKeyPath' },
  settingsChecks: [],
} as const satisfies ConfigExtension;
