import { z } from 'zod';
import { fleetSchema } from './fleet-schema.js';

/**
 * The settings config/ owns. Defaults describe the first run on a fresh
 * machine: embedded broker, DuckDB under ./data, HTTP on loopback, demo fleet.
 * Sections whose schema belongs to another module (the simulator's) are added
 * by the shell through loadConfig's extension (src/load-app-config.ts). Secrets
 * (MQTT password, QuestDB token) never appear here: they come from the
 * environment only (see load-config.ts).
 */

const hostPort = { host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535) };

export const httpSchema = z.strictObject({ ...hostPort, port: hostPort.port.default(8080) });

export const mqttSchema = z.strictObject({
  /** Start an embedded Aedes broker on url's host and port (first run, no Mosquitto needed). */
  embedded: z.boolean().default(true),
  url: z
    .string()
    .regex(/^mqtts?:\/\//, 'expected mqtt://host:port or mqtts://host:port')
    .default('mqtt://127.0.0.1:1883'),
  /** Stable per replica: the broker keeps this client's persistent session and queued QoS 1 messages. */
  clientId: z.string().min(1).default('tanhe-ingest-1'),
  /** With a group, subscriptions are shared ($share/<group>/…) so that N workers split the load. */
  sharedGroup: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  /**
   * Broker connections of this process (ingest/adapters/mqtt-subscriber.ts): more than one share the
   * subscription ($share/<sharedGroup or clientId>/…), so that spool.fsync 'always' can commit several
   * messages per fdatasync. Not the default: Mosquitto 2.0.11 restarted from its persistence restores plain
   * subscriptions but not `$share` ones, so what is published between its restart and the service's
   * resubscribe is lost with several (docs/durability.md). The embedded broker has no shared subscriptions.
   */
  connections: z.number().int().min(1).max(64).default(1),
  /**
   * With sharedGroup: a graceful stop unsubscribes from the shared filters first, so that this worker's share
   * goes to the others at once (for removing a worker; docs/reliability.md). Leave it off where every worker
   * may stop at the same time: what is published while no member is subscribed is not queued for anyone.
   */
  leaveSharedGroupOnStop: z.boolean().default(false),
  /** The service's own broker username (its password: TANHE_MQTT_PASSWORD, from the environment only). */
  username: z.string().optional(),
  /** With an mqtts:// url: how the broker's certificate is checked (docker/README.md, "TLS"). */
  tls: z
    .strictObject({
      /** PEM file of the CA(s) that sign the broker's certificate; without it, Node's public CAs. */
      caFile: z.string().min(1).optional(),
      /** Name the certificate must carry (and the SNI sent), when the url's host is not it (e.g. an IP). */
      servername: z.string().min(1).optional(),
      /** Only for a lab: false accepts any certificate, which lets anyone impersonate the broker. */
      rejectUnauthorized: z.boolean().default(true),
    })
    .prefault({}),
  topics: z
    .strictObject({
      json: z.string().default('meters/+/readings'),
      senml: z.string().default('senml/+'),
      tasmota: z.string().default('tele/+/SENSOR'),
    })
    .prefault({}),
  keepaliveSeconds: z.number().int().positive().default(30),
  reconnectPeriodMs: z.number().int().positive().default(1000),
});

export const storeSchema = z.strictObject({
  kind: z.enum(['duckdb', 'questdb']).default('duckdb'),
  duckdbPath: z.string().default('./data/tanhe.duckdb'),
  /** QuestDB's HTTP endpoint: ILP writes (/write) and SQL (/exec) both go there. */
  questdbUrl: z
    .string()
    .regex(/^https?:\/\//)
    .default('http://127.0.0.1:9000'),
  /** QuestDB's commit mode is a server setting (cairo.commit.mode); see docs/durability.md. */
  requestTimeoutMs: z.number().int().positive().default(10_000),
});

export const spoolSchema = z.strictObject({
  dir: z.string().default('./data/spool'),
  /** Back-pressure threshold: above this many unflushed bytes, acknowledgements stop. */
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
  segmentBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /**
   * none: a write reaches the kernel before the PUBACK (survives a killed process, not a power loss);
   * interval: fsync every fsyncIntervalMs (power loss loses at most that window);
   * always: fsync before every PUBACK (survives power loss; slowest).
   */
  fsync: z.enum(['none', 'interval', 'always']).default('interval'),
  fsyncIntervalMs: z.number().int().positive().default(200),
  batchSize: z.number().int().positive().default(5000),
  flushIntervalMs: z.number().int().positive().default(100),
});

export const ingestSchema = z.strictObject({
  maxPayloadBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  /** A reading stamped further than this into the future (device clock skew) is quarantined. */
  maxFutureSkewMs: z
    .number()
    .int()
    .nonnegative()
    .default(5 * 60_000),
  /** How many recent timestamps per meter are remembered to count duplicates. */
  recentKeysPerMeter: z.number().int().positive().default(4096),
});

/** Site factor catalogues, merged with the shipped config/factors.yaml (config/factor-catalogue-schema.ts). */
export const factorsSchema = z.strictObject({
  /** Catalogue files (paths relative to the working directory), merged in this order after the shipped one. */
  extraCatalogues: z.array(z.string().min(1)).default([]),
});

/** Scheduled jobs: with N workers each job runs on one, chosen by static partitioning (docs/scaling.md). */
export const schedulerSchema = z
  .strictObject({
    /** This worker's place in [0, workerCount); distinct on every worker of one deployment. */
    workerIndex: z.number().int().nonnegative().default(0),
    /** How many workers share the jobs; the same on every worker. */
    workerCount: z.number().int().positive().default(1),
  })
  .refine((s) => s.workerIndex < s.workerCount, {
    message: 'workerIndex must be below workerCount',
    path: ['workerIndex'],
  });

export const settingsSchema = z.strictObject({
  http: httpSchema.prefault({}),
  mqtt: mqttSchema
    .refine((m) => !m.embedded || m.connections === 1, {
      message: 'the embedded broker has no shared subscriptions: connections must be 1 (or set embedded: false)',
      path: ['connections'],
    })
    .prefault({}),
  store: storeSchema.prefault({}),
  spool: spoolSchema.prefault({}),
  ingest: ingestSchema.prefault({}),
  factors: factorsSchema.prefault({}),
  scheduler: schedulerSchema.prefault({}),
  log: z
    .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') })
    .prefault({}),
  /** Paths in settings are relative to the working directory, except fleetFile: a path (relative to this file) of the fleet registry YAML, or the fleet inline. */
  fleetFile: z.string().optional(),
  fleet: fleetSchema.optional(),
});

export type Settings = z.infer<typeof settingsSchema>;
