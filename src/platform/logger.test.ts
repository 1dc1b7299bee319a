import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger('debug', stream), text: () => lines.join('') };
}

const SECRETS = ['mqtt-Pa55-x1', 'tnh_0123456789abcdef_questdb-token', 'smtp-s3cret', 'Bearer eyJhbGciOi.header'];

describe('service logger redaction', () => {
  it('keeps secrets out of a dumped config, MQTT client options, error details and HTTP headers', () => {
    const { log, text } = capture();
    const [mqttPassword, questdbToken, smtpPassword, bearer] = SECRETS;
    const config = {
      mqtt: { url: 'mqtts://broker:8883', username: 'tanhe-ingest' },
      secrets: { mqttUsername: 'tanhe-ingest', mqttPassword, questdbToken, smtpPassword },
      alerts: { email: { smtp: { user: 'alerts', password: smtpPassword } } },
    };
    log.info({ config }, 'config dump');
    log.info(config, 'config spread at the top level');
    log.info({ secrets: config.secrets }, 'secrets alone');
    log.info({ mqttPassword, questdbToken, smtpPassword }, 'secret keys at the top level');
    log.info({ options: { clientId: 'x', username: 'tanhe-ingest', password: mqttPassword, key: 'PRIVATE' } }, 'mqtt');
    log.info({ mqtt: { options: { password: mqttPassword } } }, 'three levels down');
    log.info({ req: { headers: { authorization: bearer, cookie: `session=${questdbToken}` } } }, 'request');
    log.info({ headers: { authorization: bearer } }, 'headers');
    log.info({ token: questdbToken, store: { token: questdbToken } }, 'token');
    const out = text();
    for (const secret of [...SECRETS, 'PRIVATE']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
    // What is not a secret stays readable.
    expect(out).toContain('tanhe-ingest');
    expect(out).toContain('mqtts://broker:8883');
  });
});
