import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { AppError } from '../../kernel/index.js';

/**
 * The first-run demo's mailbox: an SMTP server on loopback that accepts every message
 * without AUTH or TLS and keeps each as `<n>-<message-id>.eml` under `dir`, numbered on
 * from the files already there, so a new user opens real alert mail in any mail client
 * (README, docs/alerts.md "Email"). Loopback only: it takes mail from anyone who can
 * connect, which must never be more than this machine.
 */
export interface DemoSmtpReceiverOptions {
  /** A loopback address (127.x.x.x, ::1, localhost). */
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly dir: string;
  /** Told about each stored message (the shell logs it). */
  readonly onStored?: (file: string) => void;
}

export interface DemoSmtpReceiver {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export async function startDemoSmtpReceiver(options: DemoSmtpReceiverOptions): Promise<DemoSmtpReceiver> {
  if (!LOOPBACK.test(options.host)) {
    throw new AppError('MAIL_RECEIVER_FAILED', `the demo SMTP receiver listens on loopback only, not ${options.host}`);
  }
  try {
    await mkdir(options.dir, { recursive: true });
  } catch (cause) {
    throw new AppError('MAIL_RECEIVER_FAILED', `cannot create the demo mail directory ${options.dir}`, { cause });
  }
  let next = (await highestNumber(options.dir)) + 1;

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    logger: false,
    size: MAX_MESSAGE_BYTES,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(Object.assign(new Error('message too large'), { responseCode: 552 }));
          return;
        }
        const raw = Buffer.concat(chunks);
        const n = next++;
        const name = `${n}-${fileSafe(messageIdOf(raw))}.eml`;
        const tmp = join(options.dir, `.${name}.tmp`);
        // Written under a temporary name and renamed, so a listing never shows half a message.
        writeFile(tmp, raw)
          .then(() => rename(tmp, join(options.dir, name)))
          .then(() => {
            options.onStored?.(join(options.dir, name));
            callback();
          })
          .catch((error: unknown) =>
            callback(Object.assign(new Error(`cannot store: ${String(error)}`), { responseCode: 451 })),
          );
      });
    },
  });
  // A client that resets its connection is no concern of the demo's.
  server.on('error', () => undefined);
  const port = await new Promise<number>((resolveListen, reject) => {
    server.server.once('error', (cause) =>
      reject(
        new AppError(
          'MAIL_RECEIVER_FAILED',
          `the demo SMTP receiver cannot listen on ${options.host}:${options.port}`,
          {
            cause,
          },
        ),
      ),
    );
    server.listen(options.port, options.host, () => resolveListen((server.server.address() as AddressInfo).port));
  });
  return {
    host: options.host,
    port,
    dir: options.dir,
    close: () => new Promise<void>((resolveClose) => server.close(() => resolveClose())),
  };
}

async function highestNumber(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.reduce((max, name) => {
    const n = /^(\d+)-.*\.eml$/.exec(name)?.[1];
    return n === undefined ? max : Math.max(max, Number(n));
  }, 0);
}

/** The Message-ID header of a raw message (header lines may be folded), or undefined. */
function messageIdOf(raw: Buffer): string | undefined {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const header = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  return /^message-id:\s*(.+)$/im.exec(header)?.[1]?.trim();
}

function fileSafe(messageId: string | undefined): string {
  const bare = (messageId ?? 'no-message-id').replace(/^<|>$/g, '');
  return bare.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 120) || 'no-message-id';
}
