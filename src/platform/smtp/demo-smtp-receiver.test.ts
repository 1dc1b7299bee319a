import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemoSmtpReceiver, type DemoSmtpReceiver } from './demo-smtp-receiver.js';

let dir: string | undefined;
let receiver: DemoSmtpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function send(r: DemoSmtpReceiver, messageId: string, subject: string) {
  return createTransport({ host: r.host, port: r.port, ignoreTLS: true }).sendMail({
    from: 'alerts@tanhe.localhost',
    to: 'officer@example.org',
    subject,
    text: 'body 正文',
    messageId,
  });
}

describe('demo SMTP receiver', () => {
  it('keeps every message as <n>-<message-id>.eml, numbering on across restarts', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tanhe-mail-'));
    const mailDir = join(dir, 'data', 'mail');
    receiver = await startDemoSmtpReceiver({ host: '127.0.0.1', port: 0, dir: mailDir });
    await send(receiver, '<tanhe.immediate.abc@tanhe.localhost>', '告警 one');
    await send(receiver, '<odd/id?@x>', 'two');
    await receiver.close();
    receiver = await startDemoSmtpReceiver({ host: '127.0.0.1', port: 0, dir: mailDir });
    await send(receiver, '<tanhe.immediate.abc@tanhe.localhost>', 'three');
    expect(readdirSync(mailDir).sort()).toEqual([
      '1-tanhe.immediate.abc@tanhe.localhost.eml',
      '2-odd_id_@x.eml',
      '3-tanhe.immediate.abc@tanhe.localhost.eml',
    ]);
    const first = readFileSync(join(mailDir, '1-tanhe.immediate.abc@tanhe.localhost.eml'), 'utf8');
    expect(first).toMatch(/^Message-ID: <tanhe\.immediate\.abc@tanhe\.localhost>$/m);
  });

  it('refuses to listen anywhere but loopback, and a port in use', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tanhe-mail-'));
    await expect(startDemoSmtpReceiver({ host: '0.0.0.0', port: 0, dir })).rejects.toMatchObject({
      code: 'MAIL_RECEIVER_FAILED',
    });
    receiver = await startDemoSmtpReceiver({ host: '127.0.0.1', port: 0, dir });
    await expect(startDemoSmtpReceiver({ host: '127.0.0.1', port: receiver.port, dir })).rejects.toMatchObject({
      code: 'MAIL_RECEIVER_FAILED',
    });
  });
});
