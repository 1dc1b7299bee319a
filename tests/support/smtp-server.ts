import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { makeTempDir, removeTempDir } from './processes.js';

/**
 * A REAL SMTP server for tests (smtp-server on a free loopback port): STARTTLS with a
 * self-signed certificate made at start with the `openssl` CLI, AUTH PLAIN/LOGIN for one
 * user (only after STARTTLS), and every message it takes parsed with mailparser. A switch
 * makes it stall before answering DATA: the message is recorded (a server that took it,
 * whose "250 OK" never reached the client), the answer never comes. That is the window in
 * which a crash makes a client resend.
 */
export interface ReceivedMail {
  readonly messageId: string | undefined;
  /** The envelope's RCPT TO addresses. */
  readonly rcptTo: readonly string[];
  /** The To header as text. */
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly date: Date | undefined;
  readonly headers: ReadonlyMap<string, unknown>;
  readonly raw: string;
  /** The connection was TLS (STARTTLS) when the message came. */
  readonly secure: boolean;
  /** The AUTH user, if the client logged in. */
  readonly user: string | undefined;
  /** false: the server stalled on it and never answered. */
  readonly answered: boolean;
}

export interface TestSmtpServerOptions {
  /** Offer STARTTLS (default true). false: plain only; the STARTTLS command is refused. */
  readonly startTls?: boolean;
  /** Require AUTH (default true); only after STARTTLS when that is offered. */
  readonly auth?: boolean;
  readonly user?: string;
  readonly password?: string;
  /** RCPT TO these addresses is refused for good (550). */
  readonly rejectRecipients?: readonly string[];
}

export interface TestSmtpServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The server's certificate (PEM): the private CA a client must trust. */
  readonly caPem: string;
  /** Every message taken, in order. */
  readonly received: readonly ReceivedMail[];
  /** Stall every DATA from the `count`-th message on (0-based: stallFrom(0) stalls the next one). */
  stallFrom(count: number): void;
  /** Answer the stalled DATA commands (250) and stop stalling. */
  resume(): void;
  /** How many DATA commands wait for an answer now. */
  stalledCount(): number;
  close(): Promise<void>;
}

export async function startTestSmtpServer(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const startTls = options.startTls ?? true;
  const auth = options.auth ?? true;
  const user = options.user ?? 'tanhe-alerts';
  const password = options.password ?? 'correct horse 电池 staple';
  const dir = await makeTempDir('smtp');
  const { key, cert } = selfSignedCertificate(dir);
  const received: ReceivedMail[] = [];
  const stalled: (() => void)[] = [];
  let stallFromCount = Number.POSITIVE_INFINITY;

  const disabled = [...(startTls ? [] : ['STARTTLS']), ...(auth ? [] : ['AUTH'])];
  const serverOptions: SMTPServerOptions = {
    secure: false,
    key,
    cert,
    disabledCommands: disabled,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !auth,
    allowInsecureAuth: !startTls,
    logger: false,
    size: 10 * 1024 * 1024,
    onAuth(credentials, _session, callback) {
      if (credentials.username === user && credentials.password === password) callback(null, { user });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipients?.includes(address.address)) {
        callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const stall = received.length >= stallFromCount;
        simpleParser(raw)
          .then((mail) => {
            const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
            received.push({
              messageId: mail.messageId,
              rcptTo: session.envelope.rcptTo.map((a) => a.address),
              to,
              from: mail.from?.text ?? '',
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              date: mail.date,
              headers: mail.headers,
              raw,
              secure: session.secure,
              user: typeof session.user === 'string' ? session.user : undefined,
              answered: !stall,
            });
            if (stall) stalled.push(() => callback());
            else callback();
          })
          .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  // A client killed mid-session resets its socket; that is what some tests do on purpose.
  server.on('error', () => undefined);
  const port = await new Promise<number>((resolveListen, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen((server.server.address() as AddressInfo).port));
  });

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    caPem: cert,
    received,
    stallFrom(count) {
      stallFromCount = count;
    },
    resume() {
      stallFromCount = Number.POSITIVE_INFINITY;
      for (const answer of stalled.splice(0)) answer();
    },
    stalledCount: () => stalled.length,
    async close() {
      for (const answer of stalled.splice(0)) answer();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      await removeTempDir(dir);
    },
  };
}

/** A throw-away certificate for 127.0.0.1 and localhost, valid for two days. */
function selfSignedCertificate(dir: string): { key: string; cert: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    throw new Error(`the openssl CLI could not make a test certificate (is openssl installed?): ${String(error)}`);
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
}
