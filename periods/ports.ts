/**
 * What the periods capability keeps and reads. Closed reports and review steps
 * are append-only (a revision or a review step is a new row; nothing is
 * updated), one adapter per engine in periods/adapters.
 */

/** A closed period's revision, as the review workflow refers to it. */
export interface ClosedRevisionRef {
  /** The org unit or institution the period was closed for. */
  readonly orgId: string;
  /** "YYYY-MM" or "YYYY". */
  readonly period: string;
  /** 1 for the first close, N+1 for each revision after it. */
  readonly revision: number;
  /** Hex SHA-256 of the revision's canonical JSON (RFC 8785). */
  readonly digest: string;
  readonly closedAtMs: number;
}

/** The closed revisions the review workflow binds its steps to (close-period provides it). */
export interface ClosedRevisions {
  /** The newest revision of (org, period), or undefined when it was never closed. */
  latest(orgId: string, period: string): Promise<ClosedRevisionRef | undefined>;
}

/** One stored revision: the closed document byte for byte, and what is kept beside it to find and check it. */
export interface StoredRevision extends ClosedRevisionRef {
  /** The closed document's RFC 8785 JSON, exactly as hashed and signed. */
  readonly canonicalJson: string;
  readonly merkleRoot: string;
  readonly leafCount: number;
  /** The factor entries the report's lines cite, as canonical JSON (also inside the document). */
  readonly factorEntriesJson: string;
  /** Base64 Ed25519 signature over canonicalJson's UTF-8 bytes. */
  readonly signature: string;
  /** Base64 Ed25519 signature over the root statement (periods/core/closed-document.ts rootStatement). */
  readonly rootSignature: string;
  readonly keyId: string;
  /** The principal's subject who closed or revised. */
  readonly closedBy: string;
  readonly justification: string | null;
  /** The digest of revision − 1, null for the first. */
  readonly previousDigest: string | null;
}

/** One input leaf of a revision, in tree order (index), as the canonical JSON its hash is taken over. */
export interface StoredLeaf {
  readonly index: number;
  readonly meterId: string;
  /** YYYY-MM-DD, local. */
  readonly day: string;
  readonly leafJson: string;
}

/**
 * Closed revisions and their leaves, append-only per engine (periods/adapters),
 * held to one contract (tests/contract/period-store.contract.ts). The leaves of
 * each revision are stored, not recomputed: a proof must show the input as it was
 * at close, while the readings may have moved since (that is what verify finds).
 */
export interface PeriodStore extends ClosedRevisions {
  init(): Promise<void>;
  /**
   * Stores a revision and its leaves. A revision number already stored for (org, period)
   * is refused with PERIOD_REVISION_EXISTS and nothing is written.
   */
  append(revision: StoredRevision, leaves: readonly StoredLeaf[]): Promise<void>;
  /** Every revision of (org, period), ascending; empty when never closed. */
  revisions(orgId: string, period: string): Promise<readonly StoredRevision[]>;
  revision(orgId: string, period: string, revision: number): Promise<StoredRevision | undefined>;
  /** The revision's leaves in tree order (index ascending). */
  leaves(orgId: string, period: string, revision: number): Promise<readonly StoredLeaf[]>;
  close(): Promise<void>;
}

/** A public key revisions are verified with: the signing key's, or one retired from signing. */
export interface PeriodVerifyingKey {
  /** First 16 hex of SHA-256 over the public key's SPKI DER. */
  readonly keyId: string;
  readonly publicKey: import('node:crypto').KeyObject;
  /** SPKI PEM, as published. */
  readonly publicKeyPem: string;
}

/** The key closed revisions are signed with (loaded or created by adapters/file-signing-key.ts). */
export interface PeriodSigningKey extends PeriodVerifyingKey {
  readonly privateKey: import('node:crypto').KeyObject;
}
