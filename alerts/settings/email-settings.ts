import { z } from 'zod';
import type { Fleet, SettingsCheck } from '../../config/index.js';

/**
 * The `alerts.email` settings: how alert mail leaves (SMTP), who gets it (one energy
 * officer or more per org unit), when (critical at once, the rest in a daily digest,
 * escalation to the parent org's officer), and the demo's loopback receiver
 * (docs/alerts.md, "Email"). Every key has a default, so a config without `alerts:` loads;
 * with no recipients nothing is mailed. The SMTP password comes from the environment
 * only (TANHE_SMTP_PASSWORD, config/load-config.ts secrets), never from YAML.
 */

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

export const smtpSettingsSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(587),
  /** Implicit TLS from the first byte (SMTPS, port 465); false: plain connect, then STARTTLS. */
  secure: z.boolean().default(false),
  /** Refuse to send unless the connection is upgraded with STARTTLS (ignored when `secure`). */
  requireTls: z.boolean().default(true),
  /** The AUTH user; its password is TANHE_SMTP_PASSWORD. No user: no AUTH. */
  user: z.string().min(1).optional(),
  tls: z
    .strictObject({
      /** A PEM file of the CA that signed the server's certificate (a private CA). */
      caFile: z.string().min(1).optional(),
      /** false accepts any certificate: only for a test bench, never in production. */
      rejectUnauthorized: z.boolean().default(true),
      /** The name the certificate must carry, when it differs from `host`. */
      serverName: z.string().min(1).optional(),
    })
    .prefault({}),
  /** Connect, greeting and each command's answer must come within this. */
  timeoutMs: z.number().int().positive().default(30_000),
});

export const recipientSchema = z.strictObject({
  /** The org unit whose energy officer this is (fleet.orgs[].id). */
  org: z.string().min(1),
  email: z.email(),
  name: z.string().min(1).optional(),
  lang: z.enum(['zh', 'en']).default('zh'),
  /** The zone of the officer's digest hour; default: the zone of the first institution under the org. */
  timezone: z.string().min(1).optional(),
});

export const demoReceiverSchema = z.strictObject({
  /** Runs a local SMTP receiver that keeps every message as an .eml file (the first-run demo). */
  enabled: z.boolean().default(false),
  /** Loopback only: it accepts any mail without AUTH. */
  host: z.string().regex(LOOPBACK, 'the demo receiver listens on loopback only').default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(2525),
  dir: z.string().min(1).default('./data/mail'),
});

export const emailSettingsSchema = z.strictObject({
  smtp: smtpSettingsSchema.prefault({}),
  /** The From address; its domain also ends every Message-ID. */
  from: z.string().min(3).default('tanhe 碳核 <alerts@tanhe.localhost>'),
  recipients: z.array(recipientSchema).default([]),
  /** An alert still not acknowledged this long after it was mailed goes to the parent org's officer. */
  escalateAfterHours: z.number().positive().default(24),
  /** Local time of the daily digest (warning and info alerts), in each officer's zone. */
  digestHour: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM, 00:00 to 23:59')
    .default('08:00'),
  demoReceiver: demoReceiverSchema.prefault({}),
});

export type EmailSettings = z.infer<typeof emailSettingsSchema>;
export type Recipient = z.infer<typeof recipientSchema>;

/** Recipients must name org units of the fleet; reported with the path of each bad entry. */
export const checkEmailRecipients: SettingsCheck = (settings, fleet: Fleet) => {
  const alerts = settings.alerts as { email?: EmailSettings } | undefined;
  const orgs = new Set(fleet.orgs.map((o) => o.id));
  return (alerts?.email?.recipients ?? []).flatMap((r, i) =>
    orgs.has(r.org) ? [] : [{ path: `alerts.email.recipients[${i}].org`, message: `unknown org unit "${r.org}"` }],
  );
};
