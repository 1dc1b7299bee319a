import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import { AppError } from '../kernel/index.js';

export interface EmbeddedBroker {
  readonly url: string;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  /**
   * When given, every client must connect with this username and password (the
   * service and the simulator use the same ones: mqtt.username and
   * TANHE_MQTT_PASSWORD); without it the demo broker takes anonymous clients.
   */
  readonly credentials?: { readonly username: string; readonly password: string };
}

/** MQTT 3.1.1 CONNACK return code 4: bad user name or password. */
const BAD_USERNAME_OR_PASSWORD = 4;

/**
 * An in-process MQTT 3.1.1 broker (Aedes) for the first run on a machine with
 * nothing installed. Its sessions live in memory: it is a demo broker, not a
 * production one (use Mosquitto, see docker/mosquitto.conf). It has no TLS:
 * it listens on the loopback address of its url by default.
 */
export async function startEmbeddedBroker(url: string, options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const { hostname, port } = new URL(url);
  const expected = options.credentials;
  const broker = await Aedes.createBroker(
    expected === undefined
      ? {}
      : {
          authenticate: (_client, username, password, done) => {
            if (username === expected.username && password !== undefined && sameSecret(password, expected.password)) {
              return done(null, true);
            }
            const error = new Error('bad username or password') as AuthenticateError;
            error.returnCode = BAD_USERNAME_OR_PASSWORD;
            done(error, false);
          },
        },
  );
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

/** Compares digests in constant time, so the comparison leaks neither the password nor its length. */
function sameSecret(given: Buffer, expected: string): boolean {
  const digest = (value: Buffer | string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
