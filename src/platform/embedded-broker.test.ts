import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../tests/support/ports.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';

const brokers: EmbeddedBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

async function broker(credentials?: { username: string; password: string }): Promise<string> {
  const url = `mqtt://127.0.0.1:${await freePort()}`;
  brokers.push(await startEmbeddedBroker(url, credentials ? { credentials } : {}));
  return url;
}

/** Connects once (no reconnect); resolves to 'connected' or the CONNACK refusal code. */
async function tryConnect(url: string, auth: { username?: string; password?: string }): Promise<string | number> {
  try {
    const client = await mqtt.connectAsync(url, { ...auth, protocolVersion: 4, reconnectPeriod: 0 });
    await client.endAsync(true);
    return 'connected';
  } catch (error) {
    return (error as { code: number }).code;
  }
}

describe('embedded broker', () => {
  it('with credentials, accepts only that username and password (CONNACK 4 otherwise)', async () => {
    const url = await broker({ username: 'tanhe-ingest', password: 'demo-secret' });
    expect(await tryConnect(url, { username: 'tanhe-ingest', password: 'demo-secret' })).toBe('connected');
    expect(await tryConnect(url, { username: 'tanhe-ingest', password: 'demo-secreT' })).toBe(4);
    expect(await tryConnect(url, { username: 'm000', password: 'demo-secret' })).toBe(4);
    expect(await tryConnect(url, {})).toBe(4);
  });

  it('without credentials, takes anonymous clients (the first run)', async () => {
    const url = await broker();
    expect(await tryConnect(url, {})).toBe('connected');
  });
});
