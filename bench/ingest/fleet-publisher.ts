import type { MqttClient } from 'mqtt';
import { closePublisher, connectPublisher, type OutgoingMessage } from '../../tests/support/publisher.js';

/** Wall-clock epoch ms with sub-millisecond resolution, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface PublishOptions {
  /** Unacknowledged QoS 1 publishes allowed per client at once. */
  readonly maxInFlight: number;
  /** Global pace over all clients; omitted = as fast as the broker acknowledges. */
  readonly ratePerSecond?: number;
}

export interface PublishStats {
  readonly messages: number;
  readonly firstPublishMs: number;
  readonly lastPublishMs: number;
  /** When the broker's PUBACK for the last message arrived. */
  readonly lastAckMs: number;
}

/**
 * A fleet of QoS 1 publisher clients (persistent sessions, as the tests use),
 * sharing the meters: meter m is published by client m % clients, so each
 * meter's readings leave in seq order over one connection, as a real meter's do.
 * The same publisher drives the bare relay and the full pipeline.
 */
export class FleetPublisher {
  private constructor(
    private readonly clients: MqttClient[],
    private readonly meters: number,
  ) {}

  static async connect(url: string, clients: number, meters: number, clientIdPrefix: string): Promise<FleetPublisher> {
    const connected = await Promise.all(
      Array.from({ length: clients }, (_, k) => connectPublisher(url, `${clientIdPrefix}-${k}`)),
    );
    return new FleetPublisher(connected, meters);
  }

  /**
   * Publishes messages[i] (i = 0…n-1, seq-major: meter = i % meters) and records
   * in publishedAtMs[indexBase + i] the moment publish() was called for it. Each
   * client keeps at most maxInFlight messages unacknowledged (like the tests'
   * publishAll); resolves when the broker has acknowledged all of them.
   */
  async publish(
    messages: readonly OutgoingMessage[],
    indexBase: number,
    publishedAtMs: Float64Array,
    options: PublishOptions,
  ): Promise<PublishStats> {
    const startMs = nowMs();
    let firstPublishMs = Number.POSITIVE_INFINITY;
    let lastPublishMs = 0;
    let lastAckMs = 0;
    const clientCount = this.clients.length;
    const runClient = async (client: MqttClient, k: number) => {
      let inFlight = 0;
      let failure: Error | undefined;
      let wake: (() => void) | undefined;
      for (let i = 0; i < messages.length; i++) {
        if ((i % this.meters) % clientCount !== k) continue;
        if (failure) throw failure;
        while (inFlight >= options.maxInFlight) await new Promise<void>((resolve) => (wake = resolve));
        if (options.ratePerSecond !== undefined) {
          const dueMs = startMs + (i / options.ratePerSecond) * 1000;
          const waitMs = dueMs - nowMs();
          if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs));
        }
        const message = messages[i] as OutgoingMessage;
        const at = nowMs();
        publishedAtMs[indexBase + i] = at;
        if (at < firstPublishMs) firstPublishMs = at;
        if (at > lastPublishMs) lastPublishMs = at;
        inFlight++;
        client.publish(message.topic, message.payload, { qos: 1 }, (error) => {
          inFlight--;
          if (error) failure = error;
          else lastAckMs = Math.max(lastAckMs, nowMs());
          wake?.();
        });
      }
      while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
      if (failure) throw failure;
    };
    await Promise.all(this.clients.map((client, k) => runClient(client, k)));
    return { messages: messages.length, firstPublishMs, lastPublishMs, lastAckMs };
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => closePublisher(client)));
  }
}
