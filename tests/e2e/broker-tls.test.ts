import { join } from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { generateTestCerts, startMosquitto, type MosquittoHandle, type TestCerts } from '../support/mosquitto.js';
import { makeTempDir, removeTempDir } from '../support/processes.js';
import { createService, type ServiceHandle } from '../support/service.js';
import { testFleet } from '../support/test-fleet.js';

// The shipped broker configuration (docker/mosquitto.conf: TLS only, no anonymous clients) with the shipped
// ACL (docker/mosquitto.acl: a meter writes only its own topics, tanhe-ingest reads them), certificates from
// scripts/gen-test-certs.sh, and the service as a child process connecting with its own credential.
const INGEST_PASSWORD = 'ingest-Pw-7f3a9c';
const METER_PASSWORDS = { m000: 'meter0-Pw-1b2c', m001: 'meter1-Pw-9d8e' } as const;
// Secrets the service holds but must never write to its log.
const OTHER_SECRETS = { TANHE_QUESTDB_TOKEN: 'qdb-Token-5e6f7a', TANHE_SMTP_PASSWORD: 'smtp-Pw-0a1b2c' };
const ALL_SECRETS = [INGEST_PASSWORD, ...Object.values(METER_PASSWORDS), ...Object.values(OTHER_SECRETS)];

let dir: string;
let mosquitto: MosquittoHandle;
let certs: TestCerts;
let otherCa: TestCerts;
let service: ServiceHandle;
let untrusting: ServiceHandle;

function serviceEnv(caFile: string): Record<string, string> {
  return {
    TANHE_MQTT_USERNAME: 'tanhe-ingest',
    TANHE_MQTT_PASSWORD: INGEST_PASSWORD,
    TANHE_MQTT_CA_FILE: caFile,
    ...OTHER_SECRETS,
  };
}

beforeAll(async () => {
  dir = await makeTempDir('tanhe-broker-tls-');
  mosquitto = await startMosquitto({
    tls: true,
    auth: { users: { 'tanhe-ingest': INGEST_PASSWORD, ...METER_PASSWORDS } },
  });
  if (!mosquitto.certs) throw new Error('the harness did not generate certificates');
  certs = mosquitto.certs;
  otherCa = await generateTestCerts(join(dir, 'other-ca'));
  service = await createService({
    dir,
    mqttUrl: mosquitto.url,
    store: { kind: 'duckdb' },
    fleet: testFleet(2),
    clientId: 'tls-ingest',
    env: serviceEnv(certs.caFile),
  });
  await service.start();
});
afterAll(async () => {
  await untrusting?.stop().catch(() => undefined);
  await service?.stop().catch(() => undefined);
  await mosquitto?.dispose();
  if (dir) await removeTempDir(dir);
});

async function meterClient(username: keyof typeof METER_PASSWORDS): Promise<MqttClient> {
  return mqtt.connectAsync(mosquitto.url, {
    clientId: `tls-${username}`,
    username,
    password: METER_PASSWORDS[username],
    ca: readFileSync(certs.caFile),
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
}

const reading = (seq: number) =>
  JSON.stringify({ ts: new Date(Date.UTC(2026, 0, 1) + seq * 900_000).toISOString(), value: seq, unit: 'kWh' });

async function counter(name: string): Promise<number> {
  return (await service.metrics())[name] ?? 0;
}

/** Connects once, without reconnecting: 'connected', the CONNACK refusal code, or the transport error's code. */
async function tryConnect(url: string, options: mqtt.IClientOptions): Promise<string | number> {
  try {
    const client = await mqtt.connectAsync(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    await client.endAsync(true);
    return 'connected';
  } catch (error) {
    return (error as { code?: string | number }).code ?? (error as Error).message;
  }
}

describe('a locked-down broker (TLS, per-meter credentials, ACL)', () => {
  it('the service ingests over TLS with its own credential', async () => {
    expect(mosquitto.url).toMatch(/^mqtts:\/\//);
    const m0 = await meterClient('m000');
    for (let seq = 0; seq < 5; seq++) await m0.publishAsync('meters/m000/readings', reading(seq), { qos: 1 });
    await m0.endAsync();
    await eventually(async () => expect(await counter('tanhe_ingest_readings_stored_total')).toBe(5), {
      timeoutMs: 60_000,
      message: 'readings over TLS stored',
    });
    const ready = await fetch(`${service.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('a meter cannot publish another meter’s topic: Mosquitto drops it and it never reaches the service', async () => {
    const messagesBefore = await counter('tanhe_ingest_messages_received_total');
    const storedBefore = await counter('tanhe_ingest_readings_stored_total');
    const m0 = await meterClient('m000');
    // MQTT 3.1.1 has no negative PUBACK: the broker acknowledges and drops a publish the ACL denies.
    for (let seq = 100; seq < 103; seq++) await m0.publishAsync('meters/m001/readings', reading(seq), { qos: 1 });
    await m0.publishAsync('senml/m001', JSON.stringify([{ n: 'm001', v: 1, t: 1767225600 }]), { qos: 1 });
    // Then a reading of its own, in order on the same connection: once it is stored, the forged ones had their turn.
    await m0.publishAsync('meters/m000/readings', reading(200), { qos: 1 });
    await m0.endAsync();
    await eventually(async () => expect(await counter('tanhe_ingest_readings_stored_total')).toBe(storedBefore + 1), {
      timeoutMs: 60_000,
      message: 'the meter’s own reading stored',
    });
    expect(await counter('tanhe_ingest_messages_received_total')).toBe(messagesBefore + 1);
  });

  it('refuses a client without credentials, with a wrong password, or without TLS', async () => {
    const ca = readFileSync(certs.caFile);
    expect(await tryConnect(mosquitto.url, { ca })).toBe(5);
    expect(await tryConnect(mosquitto.url, { ca, username: 'm000', password: 'guess' })).toBe(5);
    expect(await tryConnect(mosquitto.url, { ca, username: 'm000', password: METER_PASSWORDS.m000 })).toBe('connected');
    // The same port without TLS: no CONNACK ever comes.
    expect(await tryConnect(mosquitto.url.replace('mqtts://', 'mqtt://'), {})).not.toBe('connected');
    // A client that does not trust the test CA refuses the broker, too.
    expect(await tryConnect(mosquitto.url, { username: 'm000', password: METER_PASSWORDS.m000 })).not.toBe('connected');
  });

  it('the service refuses a broker certificate from a CA it does not trust, with a clear error, and is not ready', async () => {
    // A directory of its own: the DuckDB file is single-process.
    const ownDir = join(dir, 'untrusting');
    mkdirSync(ownDir);
    untrusting = await createService({
      dir: ownDir,
      mqttUrl: mosquitto.url,
      store: { kind: 'duckdb' },
      fleet: testFleet(2),
      clientId: 'tls-untrusting',
      env: serviceEnv(otherCa.caFile),
    });
    await untrusting.start();
    const refusal = await eventually(
      () => {
        const line = logLines(untrusting).find((l) => l.err?.code === 'BROKER_TLS_UNTRUSTED');
        if (!line) throw new Error('no BROKER_TLS_UNTRUSTED line yet');
        return line;
      },
      { timeoutMs: 60_000, message: 'the untrusted certificate reported' },
    );
    expect(refusal.level).toBe(50);
    expect(refusal.err?.details?.tlsCode).toMatch(/^[A-Z_]+$/);
    expect((await fetch(`${untrusting.httpUrl}/readyz`)).status).toBe(503);
    // Logged once, not at every reconnect.
    await eventually(() =>
      expect(logLines(untrusting).filter((l) => /MQTT/.test(l.msg ?? '')).length).toBeGreaterThan(0),
    );
    expect(logLines(untrusting).filter((l) => l.err?.code === 'BROKER_TLS_UNTRUSTED')).toHaveLength(1);
  });

  it('never writes a password or token to either service’s log', () => {
    for (const handle of [service, untrusting]) {
      const log = handle.readLog();
      expect(log.length).toBeGreaterThan(0);
      for (const secret of ALL_SECRETS) expect(log).not.toContain(secret);
    }
  });
});

interface LogLine {
  level?: number;
  msg?: string;
  err?: { code?: string; details?: { tlsCode?: string } };
}

function logLines(handle: ServiceHandle): LogLine[] {
  return handle
    .readLog()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}
