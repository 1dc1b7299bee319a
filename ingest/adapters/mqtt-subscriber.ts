import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../ports.js';

const YIELD_AFTER_MS = 5;

export interface MqttSubscriberOptions {
  readonly url: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** Subscription filters without the share prefix; sharedGroup adds it. */
  readonly filters: readonly string[];
  readonly sharedGroup?: string;
  readonly keepaliveSeconds: number;
  readonly reconnectPeriodMs: number;
  /** Called one message at a time; the PUBACK goes out when its promise resolves. */
  readonly onMessage: (topic: string, payload: Uint8Array) => Promise<void>;
  /** A message could not be spooled: the process must stop without acknowledging it. */
  readonly onFatal: (error: unknown) => void;
  readonly log: Logger;
}

export interface MqttSubscriber {
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * Subscribes at QoS 1 with a persistent session (clean: false) under a stable
 * client id, so that the broker queues messages while the service is away.
 * mqtt.js hands messages to handleMessage one at a time and sends the PUBACK
 * when its callback is called: we call it only after the spool append.
 */
export function startMqttSubscriber(options: MqttSubscriberOptions): MqttSubscriber {
  const client: MqttClient = mqtt.connect(options.url, {
    clientId: options.clientId,
    clean: false,
    protocolVersion: 4,
    keepalive: options.keepaliveSeconds,
    reconnectPeriod: options.reconnectPeriodMs,
    connectTimeout: 10_000,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
  });
  const filters = options.filters.map((f) => (options.sharedGroup ? `$share/${options.sharedGroup}/${f}` : f));

  // mqtt.js hands over the next packet as soon as the callback runs, so a burst
  // would keep the event loop busy with receiving and starve the spool drainer's
  // store writes and timers. After YIELD_AFTER_MS of receiving, the callback (and
  // with it the PUBACK, which is safe: the message is spooled) waits for one
  // turn of the event loop.
  let busySinceMs = performance.now();
  client.handleMessage = (packet, callback) => {
    options.onMessage(packet.topic, packet.payload as Uint8Array).then(
      () => {
        if (performance.now() - busySinceMs < YIELD_AFTER_MS) return callback();
        setImmediate(() => {
          busySinceMs = performance.now();
          callback();
        });
      },
      (error: unknown) => options.onFatal(error),
    );
  };

  let wasConnected = false;
  client.on('connect', (connack) => {
    options.log.info(
      { url: options.url, clientId: options.clientId, sessionPresent: connack.sessionPresent },
      'connected to MQTT broker',
    );
    wasConnected = true;
    client.subscribe(
      filters.map((f) => f),
      { qos: 1 },
      (error, granted) => {
        if (error) options.log.error({ err: error }, 'subscribe failed');
        else if (granted?.some((g) => g.qos > 2)) options.log.error({ granted }, 'the broker refused a subscription');
        else options.log.info({ filters }, 'subscribed at QoS 1');
      },
    );
  });
  client.on('close', () => {
    if (wasConnected) options.log.warn({ url: options.url }, 'MQTT connection closed; reconnecting');
    wasConnected = false;
  });
  client.on('error', (error) => options.log.warn({ err: error }, 'MQTT client error'));

  return {
    connected: () => client.connected,
    close: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
  };
}
