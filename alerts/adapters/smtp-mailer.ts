import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Transporter } from 'nodemailer';
import { AppError } from '../../src/kernel/index.js';
import type { OutboxMessage } from '../core/notification-plan.js';
import type { EmailSettings } from '../settings/email-settings.js';
import type { Mailer } from '../deliver-outbox.js';

/**
 * The Mailer over SMTP (nodemailer), one connection per message (alert mail is a few
 * messages a day; no pool to keep healthy). STARTTLS is required unless the setting says
 * otherwise, so a server that does not offer it, or a man in the middle who strips it, gets
 * nothing; the certificate is checked against the system CAs or a private CA's PEM. The
 * message goes out exactly as stored: its Message-ID, its queue time as the Date and MIME
 * boundaries derived from the Message-ID, so a resend after a crash is the same message (docs/alerts.md, "Email").
 */
export interface SmtpMailerOptions {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS (SMTPS). */
  readonly secure: boolean;
  readonly requireTls: boolean;
  readonly user?: string | undefined;
  /** From TANHE_SMTP_PASSWORD. */
  readonly password?: string | undefined;
  readonly tls?: {
    /** PEM file of a private CA to trust. */
    readonly caFile?: string | undefined;
    /** PEM text of a private CA to trust (tests). */
    readonly ca?: string | undefined;
    readonly rejectUnauthorized?: boolean | undefined;
    readonly serverName?: string | undefined;
  };
  readonly timeoutMs: number;
}

/** The mailer's options from `alerts.email.smtp` and the TANHE_SMTP_PASSWORD secret. */
export function smtpMailerOptions(smtp: EmailSettings['smtp'], password: string | undefined): SmtpMailerOptions {
  return { ...smtp, password };
}

/** nodemailer's error fields that the mapping reads. */
interface NodemailerError {
  readonly code?: string;
  readonly responseCode?: number;
  readonly message?: string;
}

export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const ca = options.tls?.ca ?? readCa(options.tls?.caFile);
  // Made with the first mail: nodemailer is ~14 MiB of RSS that a service which sends none would carry.
  let transport: Promise<Transporter> | undefined;
  const transportOf = () =>
    (transport ??= import('nodemailer').then(({ createTransport }) =>
      createTransport({
        host: options.host,
        port: options.port,
        secure: options.secure,
        requireTLS: !options.secure && options.requireTls,
        ...(options.user === undefined ? {} : { auth: { user: options.user, pass: options.password ?? '' } }),
        tls: {
          ...(ca === undefined ? {} : { ca }),
          rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
          ...(options.tls?.serverName === undefined ? {} : { servername: options.tls.serverName }),
        },
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
        // A rendered alert never attaches files or URLs; refuse them outright.
        disableFileAccess: true,
        disableUrlAccess: true,
      }),
    ));
  const server = `${options.host}:${options.port}`;

  return {
    async send(message: OutboxMessage) {
      try {
        const mail = {
          from: message.from,
          to: message.recipient.name
            ? { name: message.recipient.name, address: message.recipient.email }
            : message.recipient.email,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: message.messageId,
          date: new Date(message.queuedAtMs),
          headers: { 'X-Tanhe-Message-Key': message.key },
          // MIME boundaries are random by default; from the Message-ID, a resend is byte-identical.
          baseBoundary: createHash('sha256').update(message.messageId).digest('hex').slice(0, 16),
        };
        const info = await (await transportOf()).sendMail(mail);
        return { response: String(info.response ?? '') };
      } catch (cause) {
        throw mailError(cause, server, message.key);
      }
    },
    async close() {
      (await transport)?.close();
    },
  };
}

function readCa(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AppError('CONFIG_UNREADABLE', `cannot read the SMTP CA file ${file}`, { cause });
  }
}

const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EPROXY']);
const CERTIFICATE_FAILURE = /certificate|self[- ]signed|unable to verify|altnames|CERT_/i;

/**
 * Connection trouble and 4xx (try later) are retryable; a refused login, a TLS the
 * settings demand but cannot get, and 5xx for the message are not: retrying cannot help
 * until someone changes the settings or the message.
 */
function mailError(cause: unknown, server: string, key: string): AppError {
  const e = (typeof cause === 'object' && cause !== null ? cause : {}) as NodemailerError;
  const text = e.message ?? String(cause);
  const details = { server, key, smtpCode: e.code, responseCode: e.responseCode };
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') {
    return new AppError('MAIL_AUTH_FAILED', `SMTP server ${server} refused the login: ${text}`, { cause, details });
  }
  if (e.code === 'ETLS' || CERTIFICATE_FAILURE.test(text)) {
    return new AppError('MAIL_TLS_FAILED', `no trusted TLS with SMTP server ${server}: ${text}`, { cause, details });
  }
  if (e.responseCode !== undefined && e.responseCode >= 500) {
    return new AppError('MAIL_REJECTED', `SMTP server ${server} refused ${key}: ${text}`, { cause, details });
  }
  if (
    (e.responseCode !== undefined && e.responseCode >= 400) ||
    (e.code !== undefined && CONNECTION_CODES.has(e.code))
  ) {
    return new AppError('MAIL_UNAVAILABLE', `SMTP server ${server} unavailable: ${text}`, {
      retryable: true,
      cause,
      details,
    });
  }
  return new AppError('MAIL_UNAVAILABLE', `sending ${key} through ${server} failed: ${text}`, {
    retryable: true,
    cause,
    details,
  });
}
