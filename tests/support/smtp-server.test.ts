import { createTransport } from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from './eventually.js';
import { startTestSmtpServer, type TestSmtpServer } from './smtp-server.js';

// The harness itself: a real SMTP session with STARTTLS and AUTH, as the alert tests use it.
let server: TestSmtpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function client(s: TestSmtpServer, pass = s.password) {
  return createTransport({
    host: s.host,
    port: s.port,
    secure: false,
    requireTLS: true,
    auth: { user: s.user, pass },
    tls: { ca: s.caPem },
  });
}

describe('test SMTP server', () => {
  it('takes a message over STARTTLS after AUTH and records it parsed', async () => {
    server = await startTestSmtpServer();
    await client(server).sendMail({
      from: 'a@example.org',
      to: 'b@example.org',
      subject: '测试 subject',
      text: 'hello 你好',
      html: '<p>hello</p>',
      messageId: '<one@test>',
    });
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({
      messageId: '<one@test>',
      rcptTo: ['b@example.org'],
      subject: '测试 subject',
      secure: true,
      user: server.user,
      answered: true,
    });
    expect(server.received[0]?.text.trim()).toBe('hello 你好');
  });

  it('refuses a wrong password (535) and a login without TLS', async () => {
    server = await startTestSmtpServer();
    await expect(
      client(server, 'wrong').sendMail({ from: 'a@example.org', to: 'b@example.org', text: 'x' }),
    ).rejects.toMatchObject({
      code: 'EAUTH',
      responseCode: 535,
    });
    const plain = createTransport({
      host: server.host,
      port: server.port,
      ignoreTLS: true,
      auth: { user: server.user, pass: server.password },
    });
    await expect(plain.sendMail({ from: 'a@example.org', to: 'b@example.org', text: 'x' })).rejects.toMatchObject({
      code: 'EAUTH',
    });
    expect(server.received).toEqual([]);
  });

  it('stalls before answering DATA when told to, with the message recorded, and answers on resume', async () => {
    server = await startTestSmtpServer();
    server.stallFrom(0);
    const sending = client(server).sendMail({
      from: 'a@example.org',
      to: 'b@example.org',
      text: 'x',
      messageId: '<s@t>',
    });
    const s = server;
    await eventually(() => expect(s.stalledCount()).toBe(1));
    expect(s.received.map((m) => [m.messageId, m.answered])).toEqual([['<s@t>', false]]);
    s.resume();
    await expect(sending).resolves.toMatchObject({ messageId: '<s@t>' });
  });
});
