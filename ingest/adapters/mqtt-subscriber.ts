import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { AppError } from '../../src/kernel/index.js';
import type { Logger } from '../ports.js';

const YIELD_AFTER_MS = 5;
/** Messages of one connection handed over but not acknowledged yet, beyond which the next one waits. */
const MAX_UNACKNOWLEDGED = 1_000;
/**
 * Given to mqtt.js's handleMessage callback: it then takes the next packet without sending a PUBACK
 * (handlers/publish.js passes an error on to its `done`), since the subscriber sends its PUBACKs itself.
 */
const PUBACK_SENT_HERE = new Error('the subscriber acknowledges this message itself');

export interface MqttSubscriberOptions {
  readonly url: string;
  readonly clientId: string;
  readonly username?: string;
  /** Never logged (the logger redacts `password` too, should it ever be passed along). */
  readonly password?: string;
  /** With an mqtts:// url: the CA file trusted for the broker's certificate, and how it is checked. */
  readonly tls?: MqttTlsOptions;
  /** Subscription filters without the share prefix; sharedGroup adds it. */
  readonly filters: readonly string[];
  readonly sharedGroup?: string;
  /**
   * A graceful close() first unsubscribes from the `$share/…` filters (default false), so that the broker hands
   * this worker's share to the other members at once. Otherwise Mosquitto keeps routing a share to the offline
   * member's persistent session, where nobody reads it until the worker comes back. Only for a worker that is
   * removed while others stay: if every member leaves, what is published meanwhile matches no subscription.
   */
  readonly leaveSharedGroupOnClose?: boolean;
  /**
   * Connections to the broker (default 1). With more than one, they share the subscription ($share/<group>/…,
   * the group being sharedGroup or else the client id), so that the broker hands several messages to the
   * service at once: with fsync 'always' their PUBACKs then wait for the same fdatasync (group commit).
   * Connection k > 0 uses the client id `<clientId>-<k>`, each with its persistent session.
   */
  readonly connections?: number;
  readonly keepaliveSeconds: number;
  readonly reconnectPeriodMs: number;
  /** Called in arrival order per connection; the message's PUBACK goes out when its promise resolves. */
  readonly onMessage: (topic: string, payload: Uint8Array) => Promise<void>;
  /**
   * With it, a connection's next message is handed over as soon as onMessage returned (its PUBACK still
   * waits for its promise), unless holding() is true then (the receiver waits for spool space or disk room;
   * the next one waits for this one's promise, so the broker holds the rest). A turn's messages then share
   * one spool write and their PUBACKs one socket write. Without it, one message at a time per connection.
   */
  readonly holding?: () => boolean;
  /** A message could not be spooled: the process must stop without acknowledging it. */
  readonly onFatal: (error: unknown) => void;
  readonly log: Logger;
}

export interface MqttTlsOptions {
  readonly caFile?: string;
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

export interface MqttSubscriber {
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * Subscribes at QoS 1 with a persistent session (clean: false) under a stable
 * client id, so that the broker queues messages while the service is away.
 * mqtt.js hands messages to handleMessage one at a time and would send the
 * PUBACK when its callback is called, before taking the next packet. The
 * subscriber sends the PUBACKs itself instead (PubackQueue): each only once its
 * onMessage promise resolved (the message is spooled), in arrival order (MQTT
 * 3.1.1 §4.6), those of one turn in one socket write; so mqtt.js can be given
 * the next message before the previous one's PUBACK may go.
 */
export function startMqttSubscriber(options: MqttSubscriberOptions): MqttSubscriber {
  const connections = Math.max(1, options.connections ?? 1);
  const group = options.sharedGroup ?? (connections > 1 ? options.clientId.replace(/[^A-Za-z0-9_-]/g, '_') : undefined);
  const filters = options.filters.map((f) => (group !== undefined ? `$share/${group}/${f}` : f));
  // A session that subscribed plainly under an earlier configuration (one connection) keeps that subscription
  // beside the shared one, and would receive every message twice for as long as it lives: once the shared
  // filters are granted, the plain ones are dropped.
  const replaced = group !== undefined ? options.filters : [];
  // mqtt.js hands over the next packet as soon as the callback runs, so a burst
  // would keep the event loop busy with receiving and starve the spool drainer's
  // store writes and timers. After YIELD_AFTER_MS of receiving (on any connection),
  // the callback (and with it the PUBACK, which is safe: the message is spooled)
  // waits for one turn of the event loop.
  const busy = { sinceMs: performance.now() };
  // A refused certificate or credential repeats at every reconnect of every connection: it is logged once until a
  // connection gets through.
  const refused: { code?: string } = {};
  const clients = Array.from({ length: connections }, (_, k) =>
    connect(options, k === 0 ? options.clientId : `${options.clientId}-${k}`, filters, replaced, busy, refused),
  );
  const leave = group !== undefined && options.leaveSharedGroupOnClose === true;
  return {
    connected: () => clients.every((c) => c.connected),
    close: () =>
      Promise.all(clients.map((c) => closeClient(c, leave ? filters : [], options.log))).then(() => undefined),
  };
}

/** After leaving a shared subscription: how long no message must arrive before disconnecting, and at most. */
const LEAVE_QUIET_MS = 1_000;
const LEAVE_MAX_WAIT_MS = 15_000;
const LEAVE_POLL_MS = 50;

/**
 * Unsubscribes from `leaveFilters` when connected (after the UNSUBACK the broker routes nothing new to this
 * session), then keeps receiving what the broker had already queued for the session until none has come for
 * LEAVE_QUIET_MS: a removed worker's session is never read again, so what stayed in it would be lost.
 * Then disconnects.
 */
async function closeClient(client: MqttClient, leaveFilters: readonly string[], log: Logger): Promise<void> {
  if (leaveFilters.length > 0 && client.connected) {
    let lastPublishMs = performance.now();
    const onPacket = (packet: { cmd: string }) => {
      if (packet.cmd === 'publish') lastPublishMs = performance.now();
    };
    client.on('packetreceive', onPacket);
    try {
      await client.unsubscribeAsync([...leaveFilters]);
      const leftMs = performance.now();
      lastPublishMs = leftMs;
      while (performance.now() - lastPublishMs < LEAVE_QUIET_MS && performance.now() - leftMs < LEAVE_MAX_WAIT_MS) {
        await delay(LEAVE_POLL_MS);
      }
      log.info({ filters: leaveFilters }, 'left the shared subscription');
    } catch (error) {
      log.warn({ err: error }, 'could not leave the shared subscription before disconnecting');
    } finally {
      client.removeListener('packetreceive', onPacket);
    }
  }
  await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
}

function connect(
  options: MqttSubscriberOptions,
  clientId: string,
  filters: readonly string[],
  replaced: readonly string[],
  busy: { sinceMs: number },
  refused: { code?: string },
): MqttClient {
  const url = urlForLog(options.url);
  const client: MqttClient = mqtt.connect(options.url, {
    clientId,
    clean: false,
    protocolVersion: 4,
    keepalive: options.keepaliveSeconds,
    reconnectPeriod: options.reconnectPeriodMs,
    connectTimeout: 10_000,
    // We subscribe on every connect ourselves (below). mqtt.js' own bookkeeping (resubscribe: true) remembers
    // the filters and then skips the SUBSCRIBE of a filter it subscribed once, answering with an empty
    // `granted` and no packet sent; it trusts sessionPresent. Mosquitto 2.0.11 restarted from its
    // persistence reports a present session without the `$share` subscriptions: the workers then stayed
    // connected and received nothing (docs/reliability.md, "What the chaos runs found").
    resubscribe: false,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...tlsClientOptions(options.url, options.tls),
  });
  const holding = options.holding ?? (() => true);
  let acks: PubackQueue | undefined;
  const next = (callback: (error?: Error) => void) => {
    // Through a microtask, not at once: mqtt.js chains a chunk's packets by process.nextTick, which runs before
    // any promise continuation, so the spool writes' PUBACKs would wait for the whole chunk (up to the broker's
    // window of 100), and the broker sends nothing more until they arrive. A microtask lets them go in between.
    if (performance.now() - busy.sinceMs < YIELD_AFTER_MS) return queueMicrotask(() => callback(PUBACK_SENT_HERE));
    setImmediate(() => {
      busy.sinceMs = performance.now();
      callback(PUBACK_SENT_HERE);
    });
  };
  client.handleMessage = (packet, callback) => {
    const done = options.onMessage(packet.topic, packet.payload as Uint8Array);
    if (packet.qos === 0 || packet.messageId === undefined) {
      // Nothing to acknowledge (a QoS 0 publish); mqtt.js takes the next packet when the callback runs.
      done.then(() => callback(), options.onFatal);
      return;
    }
    // A packet is handled on the connection it came from; a reconnect starts a new queue (the broker sends
    // the unacknowledged messages again, and a PUBACK for the old connection is never written to the new one).
    if (acks?.stream !== client.stream) acks = new PubackQueue(client.stream);
    const entry = acks.add(packet.messageId);
    const queue = acks;
    done.then(() => queue.ready(entry), options.onFatal);
    if (!holding() && queue.unacknowledged() < MAX_UNACKNOWLEDGED) next(callback);
    else
      done.then(
        () => next(callback),
        () => undefined,
      );
  };

  // A PUBLISH taken from the connection proves the broker alive as well as a PINGRESP. mqtt.js reschedules its
  // keepalive only on acks and PINGRESP, and hands packets over one at a time: under load the PINGRESP waited
  // behind the PUBLISH packets queued for handleMessage, and the client gave up on a broker that had been
  // sending all along ("Keepalive timeout", mqttjs/MQTT.js issue 1935), reconnecting and being sent its
  // in-flight messages again, several times a minute (bench/README.md, "A reading lost at load 40–55").
  // At most every quarter keepalive: a reschedule clears and sets a timer, once per message would be a hot-path
  // cost, and one a quarter keepalive old still leaves the timeout (1.5 keepalives) far off.
  const rescheduleEveryMs = (options.keepaliveSeconds * 1000) / 4;
  let rescheduledAtMs = Number.NEGATIVE_INFINITY;
  client.on('packetreceive', (packet) => {
    if (packet.cmd !== 'publish') return;
    const nowMs = performance.now();
    if (nowMs - rescheduledAtMs < rescheduleEveryMs) return;
    rescheduledAtMs = nowMs;
    client.reschedulePing();
  });

  let wasConnected = false;
  client.on('connect', (connack) => {
    options.log.info({ url, clientId, sessionPresent: connack.sessionPresent }, 'connected to MQTT broker');
    wasConnected = true;
    delete refused.code;
    client.subscribe([...filters], { qos: 1 }, (error, granted) => {
      if (error) options.log.error({ err: error }, 'subscribe failed');
      else if (granted?.length !== filters.length || granted.some((g) => g.qos > 2)) {
        options.log.error({ granted, filters }, 'the broker refused a subscription');
      } else {
        options.log.info({ filters, sessionPresent: connack.sessionPresent }, 'subscribed at QoS 1');
        if (replaced.length > 0) {
          client.unsubscribe([...replaced], (unsubscribeError) => {
            if (unsubscribeError) options.log.warn({ err: unsubscribeError }, 'could not drop the plain subscriptions');
          });
        }
      }
    });
  });
  client.on('close', () => {
    if (wasConnected) options.log.warn({ url }, 'MQTT connection closed; reconnecting');
    wasConnected = false;
  });
  client.on('error', (error) => {
    const refusal = classifyConnectError(error, url);
    if (refusal === undefined) return options.log.warn({ err: error }, 'MQTT client error');
    if (refused.code === refusal.code) return;
    refused.code = refusal.code;
    options.log.error({ err: refusal }, refusal.message);
  });

  return client;
}

/**
 * One connection's PUBACKs in arrival order: an entry is written once it and every earlier one are ready, and
 * the ones that became ready in one turn go out in one socket write (a write per message was 7–8 % of the
 * service's time, issue 11 §2). Nothing is written once the connection is gone: the broker sends the
 * unacknowledged messages again on the next one, and the store's de-duplication absorbs the replay.
 */
class PubackQueue {
  private readonly entries: { readonly id: number; ready: boolean }[] = [];
  private head = 0;
  private flushPending = false;

  constructor(readonly stream: MqttClient['stream']) {}

  add(messageId: number): { readonly id: number; ready: boolean } {
    const entry = { id: messageId, ready: false };
    this.entries.push(entry);
    return entry;
  }

  unacknowledged(): number {
    return this.entries.length - this.head;
  }

  ready(entry: { ready: boolean }): void {
    entry.ready = true;
    if (this.flushPending) return;
    this.flushPending = true;
    // After every promise settled in this turn (nextTick runs once the microtasks are done).
    process.nextTick(() => this.flush());
  }

  private flush(): void {
    this.flushPending = false;
    let end = this.head;
    while (end < this.entries.length && this.entries[end]?.ready === true) end++;
    if (end === this.head) return;
    const bytes = Buffer.allocUnsafe((end - this.head) * 4);
    for (let i = this.head, at = 0; i < end; i++, at += 4) {
      const id = this.entries[i]?.id ?? 0;
      // PUBACK (MQTT 3.1.1 §3.4): type 4, remaining length 2, the packet identifier.
      bytes[at] = 0x40;
      bytes[at + 1] = 0x02;
      bytes[at + 2] = id >> 8;
      bytes[at + 3] = id & 0xff;
    }
    this.head = end;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    if (!this.stream.destroyed && this.stream.writable) this.stream.write(bytes);
  }
}

/** The url without user info: credentials never reach a log line, even when someone puts them in the url. */
function urlForLog(raw: string): string {
  try {
    const parsed = new URL(raw);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparsable url)';
  }
}

function tlsClientOptions(url: string, tls: MqttTlsOptions | undefined): Partial<IClientOptions> {
  if (!url.startsWith('mqtts://') || tls === undefined) return {};
  let ca: Buffer | undefined;
  if (tls.caFile !== undefined) {
    try {
      ca = readFileSync(tls.caFile);
    } catch (cause) {
      throw new AppError('CONFIG_UNREADABLE', `mqtt.tls.caFile ${tls.caFile} cannot be read`, { cause });
    }
  }
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(ca !== undefined ? { ca } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  };
}

/** Node's codes for a certificate chain or name that does not verify (tls.connect, checkServerIdentity). */
const UNTRUSTED_CERT_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A connection the broker or TLS refused for a reason that repeats at every
 * reconnect (an untrusted certificate, refused credentials) as an AppError with
 * its own code, so that it stands out from a broker that is merely away.
 */
function classifyConnectError(error: Error, url: string): AppError | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNTRUSTED_CERT_CODES.has(code)) {
    return new AppError(
      'BROKER_TLS_UNTRUSTED',
      `refusing the MQTT broker at ${url}: its TLS certificate is not trusted (${code}); ` +
        'set mqtt.tls.caFile (TANHE_MQTT_CA_FILE) to the CA that signs it, or mqtt.tls.servername to the name it carries',
      { cause: error, details: { tlsCode: code } },
    );
  }
  // MQTT 3.1.1 CONNACK return codes 4 (bad user name or password) and 5 (not authorised).
  if (code === 4 || code === 5) {
    return new AppError(
      'BROKER_AUTH_REFUSED',
      `the MQTT broker at ${url} refused this client (CONNACK ${code}): check mqtt.username and TANHE_MQTT_PASSWORD`,
      { cause: error, details: { connackCode: code } },
    );
  }
  return undefined;
}
