import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A TCP proxy in front of QuestDB's HTTP port (SQL and ILP/HTTP share it), for two
 * faults: a slow store (every chunk the service sends waits `delayMs` before it is
 * forwarded, in order) and a kill at the moment the service writes (`onWrite` sees the
 * first bytes of each `POST /write` request: the spool drainer's flush is on the wire).
 */
export interface StoreProxy {
  /** http://127.0.0.1:<port>, to give the service as its questdbUrl. */
  readonly url: string;
  setDelayMs(ms: number): void;
  /** Called once per ILP write request seen, until replaced or cleared (undefined). */
  onWrite(hook: (() => void) | undefined): void;
  /** ILP write requests seen so far. */
  writesSeen(): number;
  close(): Promise<void>;
}

export async function startStoreProxy(upstreamPort: number): Promise<StoreProxy> {
  let delayMs = 0;
  let hook: (() => void) | undefined;
  let writes = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    // Chunks are forwarded in order, each after the delay in force when it arrived.
    let chain: Promise<void> = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      if (chunk.subarray(0, 12).toString('latin1').startsWith('POST /write')) {
        writes++;
        hook?.();
      }
      const wait = delayMs;
      chain = chain.then(async () => {
        if (wait > 0) await delay(wait);
        if (!upstream.destroyed) upstream.write(chunk);
      });
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy: no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    setDelayMs: (ms) => {
      delayMs = ms;
    },
    onWrite: (next) => {
      hook = next;
    },
    writesSeen: () => writes,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
