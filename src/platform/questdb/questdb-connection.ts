/** Where QuestDB listens and how to talk to it; shared by the SQL client and the ILP writer. */
export interface QuestDbOptions {
  /** QuestDB's HTTP endpoint, e.g. `http://127.0.0.1:9000`. */
  readonly url: string;
  /** Deadline for one SQL request; for an ILP flush, the time allowed without progress (plus size / 100 KiB/s). */
  readonly requestTimeoutMs: number;
  /** Bearer token (QuestDB Enterprise or a proxy in front of OSS). */
  readonly token?: string;
  /** How long `waitForWal` waits for the WAL to be applied before giving up. Default 30 s. */
  readonly syncTimeoutMs?: number;
}

/** The options, checked and parsed once. */
export interface QuestDbConnection {
  readonly base: URL;
  readonly requestTimeoutMs: number;
  readonly token: string | undefined;
  readonly syncTimeoutMs: number;
}

export function questDbConnection(options: QuestDbOptions): QuestDbConnection {
  const base = new URL(options.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`QuestDB url must be http(s): ${options.url}`);
  }
  return {
    base,
    requestTimeoutMs: options.requestTimeoutMs,
    token: options.token,
    syncTimeoutMs: options.syncTimeoutMs ?? 30_000,
  };
}
