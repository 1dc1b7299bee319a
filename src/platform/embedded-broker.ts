import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { AppError } from '../kernel/index.js';

export interface EmbeddedBroker {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * An in-process MQTT 3.1.1 broker (Aedes) for the first run on a machine with
 * nothing installed. Its sessions live in memory: it is a demo broker, not a
 * production one (use Mosquitto, see docker/mosquitto.conf).
 */
export async function startEmbeddedBroker(url: string): Promise<EmbeddedBroker> {
  const { hostname, port } = new URL(url);
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(new AppError('BROKER_UNAVAILABLE', `cannot listen on ${url} for the embedded broker`, { cause })),
    );
    server.listen(Number(port || 1883), hostname || '127.0.0.1', () => resolve());
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}
