import mqtt, { type MqttClient } from 'mqtt';

export interface OutgoingMessage {
  readonly topic: string;
  readonly payload: string;
}

/** A QoS 1 test publisher with a persistent session, so it rides through broker restarts. */
export async function connectPublisher(url: string, clientId: string): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 200,
    connectTimeout: 5000,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/**
 * Publishes every message at QoS 1 and resolves when the broker has acknowledged
 * all of them. At most `maxInFlight` are unacknowledged at once; `onAcked` sees
 * the running count, so a test can inject faults at given points.
 */
export async function publishAll(
  client: MqttClient,
  messages: readonly OutgoingMessage[],
  options: { maxInFlight?: number; onAcked?: (acked: number) => void; ratePerSecond?: number } = {},
): Promise<void> {
  const maxInFlight = options.maxInFlight ?? 100;
  let acked = 0;
  let inFlight = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const startedMs = Date.now();
  for (let i = 0; i < messages.length; i++) {
    if (failure) throw failure;
    while (inFlight >= maxInFlight) await new Promise<void>((resolve) => (wake = resolve));
    if (options.ratePerSecond) {
      const dueMs = startedMs + (i / options.ratePerSecond) * 1000;
      if (dueMs > Date.now()) await new Promise((resolve) => setTimeout(resolve, dueMs - Date.now()));
    }
    const message = messages[i] as OutgoingMessage;
    inFlight++;
    client.publish(message.topic, message.payload, { qos: 1 }, (error) => {
      inFlight--;
      if (error) failure = error;
      else options.onAcked?.(++acked);
      wake?.();
    });
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  if (failure) throw failure;
}

export function closePublisher(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.end(false, {}, () => resolve()));
}
