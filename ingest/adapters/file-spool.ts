import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../src/kernel/index.js';
import { decodeSpoolRecord, encodeSpoolRecord, type SpoolRecord } from '../core/index.js';
import type { Spool, SpoolBatch, SpoolPosition } from '../ports.js';
import { acquireSpoolLock, type SpoolLock } from './spool-lock.js';

export interface FileSpoolOptions {
  readonly dir: string;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  readonly fsync: 'none' | 'interval' | 'always';
  readonly fsyncIntervalMs: number;
}

const SEGMENT_PATTERN = /^segment-(\d{12})\.log$/;
const CHECKPOINT_FILE = 'checkpoint.json';
const READ_CHUNK_BYTES = 1 << 20;
/**
 * Staged appends past this many bytes (~40 readings) are written at once instead of at the end of the turn: their
 * PUBACKs then leave while the turn goes on. Waiting for the turn's end let a connection's broker window
 * (`max_inflight_messages`, 100) fill, and the broker sent nothing more until the PUBACKs of the turn arrived:
 * one connection then stored 0.6× what it did with a write per message (bench/README.md, run 3).
 */
const STAGE_FLUSH_BYTES = 1 << 12;

/**
 * An append-only log of JSON lines in numbered segment files, plus a checkpoint
 * (segment, offset) of what the store has confirmed. A killed process loses
 * nothing that `durable()` resolved for: the bytes are in the kernel's page cache
 * (and on disk with fsync 'always', or within fsyncIntervalMs with 'interval').
 * A torn last line (the process died inside a write) is cut off at open: its
 * message was never acknowledged, so the broker delivers it again.
 *
 * `append` stages the records; the appends of one turn of the event loop (every
 * subscriber connection's messages read in it) are written with one write at the
 * end of the turn (or at once past STAGE_FLUSH_BYTES, or when `read` or `close`
 * needs them). `durable()` resolves once that write returned: a write per message
 * cost more than the message (issue 11 §2). A staged record that a crash takes
 * with it was never acknowledged. A write that fails (ENOSPC) is cut back and its
 * records stay staged; the waiting `durable()` calls reject and the next call
 * retries the write.
 *
 * With fsync 'always', `durable()` also waits for an fdatasync that covers the
 * write. One fdatasync runs at a time, off the main thread, and
 * covers every append made before it started; the appends made while it runs
 * (other subscriber connections' messages, the next group) wait for the next one.
 * That is group commit: nothing is acknowledged before it is on disk, and the
 * fsync cost is shared by every message of a group.
 *
 * One process at a time: the constructor first takes the directory's lock
 * (spool-lock.ts) and throws AppError('SPOOL_LOCKED') before reading, replaying or
 * cutting anything, since cutting a "torn" tail that a live process is still
 * writing would destroy an acknowledged record.
 */
export class FileSpool implements Spool {
  private segments: { no: number; size: number; base: number }[] = [];
  private writeFd = -1;
  private checkpoint: SpoolPosition;
  private readPos: SpoolPosition;
  private pendingRecords: number;
  private dirty = false;
  /** The checkpoint in memory is ahead of the one on disk. */
  private checkpointDirty = false;
  private syncTimer: NodeJS.Timeout;
  private readonly lock: SpoolLock;
  private closed = false;
  private spaceWaiters: (() => void)[] = [];
  private dataWaiters: (() => void)[] = [];
  /** Appends so far, how many of them are written, and (fsync 'always') how many a finished fdatasync covers. */
  private appendedCount = 0;
  private writtenCount = 0;
  private durableCount = 0;
  /** Encoded records of the appends not written yet, in append order. */
  private staged: string[] = [];
  private stagedSizes: number[] = [];
  private stagedBytes = 0;
  private flushPending = false;
  /** A failed write that could not be cut back: the segment ends in a torn line, and nothing is written after it. */
  private broken: AppError | undefined;
  /** The fd an fdatasync is running on (-1: none); rotate and close leave it open until the call returns. */
  private syncingFd = -1;
  private groupPending = false;
  private readonly retiredFds = new Set<number>();
  private durableWaiters: { upTo: number; resolve: () => void; reject: (error: unknown) => void }[] = [];

  /** Records found after the checkpoint when the spool was opened: they are replayed. */
  readonly recoveredRecords: number;

  constructor(private readonly options: FileSpoolOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.lock = acquireSpoolLock(options.dir);
    try {
      this.checkpoint = this.readCheckpoint();
      const numbers = readdirSync(options.dir)
        .map((name) => SEGMENT_PATTERN.exec(name)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
      for (const no of numbers) if (no < this.checkpoint.segment) unlinkSync(this.segmentPath(no));
      const kept = numbers.filter((no) => no >= this.checkpoint.segment);
      if (kept.length === 0) kept.push(this.checkpoint.segment);

      let base = 0;
      for (const no of kept) {
        const size = existsSync(this.segmentPath(no)) ? fstatSize(this.segmentPath(no)) : 0;
        this.segments.push({ no, size, base });
        base += size;
      }
      const last = this.lastSegment();
      this.writeFd = openSync(this.segmentPath(last.no), 'a+');
      this.cutTornTail(last);
      this.readPos = this.checkpoint;
      this.pendingRecords = this.countRecordsFromCheckpoint();
      this.recoveredRecords = this.pendingRecords;
    } catch (error) {
      // A spool that cannot be opened (e.g. SPOOL_CORRUPT) must not leave its directory locked.
      if (this.writeFd >= 0) closeSync(this.writeFd);
      this.lock.release();
      throw error;
    }

    // Checkpoints are persisted on this timer (with fsync 'always': at every commit).
    // A checkpoint that lags only makes a restart replay more, which the store's
    // de-duplication absorbs; writing it per batch cost more than the batch.
    this.syncTimer = setInterval(() => this.syncInBackground(), options.fsyncIntervalMs);
    this.syncTimer.unref();
  }

  append(records: readonly SpoolRecord[]): void {
    if (records.length === 0) return;
    if (this.closed) throw new AppError('SPOOL_IO', 'the spool is closed', { retryable: true });
    let text = '';
    for (const record of records) text += encodeSpoolRecord(record);
    // Bytes, not characters: the backlog bound and the segment offsets count bytes.
    const size = Buffer.byteLength(text, 'utf8');
    this.staged.push(text);
    this.stagedSizes.push(size);
    this.stagedBytes += size;
    this.appendedCount++;
    this.pendingRecords += records.length;
    if (this.stagedBytes >= STAGE_FLUSH_BYTES) this.flush();
    else this.scheduleFlush();
  }

  durable(): Promise<void> {
    const always = this.options.fsync === 'always';
    if ((always ? this.durableCount : this.writtenCount) >= this.appendedCount) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.durableWaiters.push({ upTo: this.appendedCount, resolve, reject });
      if (always) this.startGroupCommit();
      else this.scheduleFlush();
    });
  }

  read(maxRecords: number): SpoolBatch {
    // The drainer reads what was appended, staged or not (a failed write leaves it staged: read stops before it).
    this.flush();
    const records: SpoolRecord[] = [];
    let pos = this.readPos;
    while (records.length < maxRecords) {
      const segment = this.segments.find((s) => s.no === pos.segment);
      if (!segment) break;
      if (pos.offset >= segment.size) {
        const next = this.segments.find((s) => s.no > pos.segment);
        if (!next) break;
        pos = { segment: next.no, offset: 0 };
        continue;
      }
      pos = this.readLines(segment, pos, maxRecords - records.length, records);
    }
    this.readPos = pos;
    return { records, end: pos };
  }

  commit(position: SpoolPosition, records: number): void {
    this.checkpoint = position;
    this.checkpointDirty = true;
    this.pendingRecords -= records;
    if (this.options.fsync === 'always') {
      // The drainer may store records whose group commit is still pending. A checkpoint on disk past data
      // that is not would, after a power loss, point beyond the segment's end and skip the records appended
      // there next: the data goes to disk first (and settles the waiting appends with it).
      if (this.durableCount < this.writtenCount) {
        fdatasyncSync(this.writeFd);
        this.settleDurable(this.writtenCount);
      }
      this.persistCheckpoint();
    }
    if (!this.isFull()) this.wake('space');
  }

  rewind(): void {
    this.readPos = this.checkpoint;
  }

  backlogBytes(): number {
    const last = this.lastSegment();
    const checkpointSegment = this.segments.find((s) => s.no === this.checkpoint.segment) ?? last;
    return last.base + last.size + this.stagedBytes - (checkpointSegment.base + this.checkpoint.offset);
  }

  backlogRecords(): number {
    return this.pendingRecords;
  }

  isFull(): boolean {
    return this.backlogBytes() >= this.options.maxBytes;
  }

  waitForSpace(): Promise<void> {
    if (!this.isFull()) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  waitForData(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.dataWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Stops the sync timer (no write may land after close: the directory may be gone), syncs, releases the lock. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.syncTimer);
    try {
      this.sync();
      if (this.options.fsync === 'always') {
        fdatasyncSync(this.writeFd);
        this.settleDurable(this.writtenCount);
      }
      this.closeFd(this.writeFd);
    } finally {
      this.lock.release();
      // What a failed last write left staged was never acknowledged: the broker delivers it again.
      this.rejectDurable(this.appendedCount, new AppError('SPOOL_IO', 'the spool is closed', { retryable: true }));
    }
    this.wake('data');
    this.wake('space');
  }

  private readLines(
    segment: { no: number; size: number },
    from: SpoolPosition,
    max: number,
    into: SpoolRecord[],
  ): SpoolPosition {
    const fd = openSync(this.segmentPath(segment.no), 'r');
    try {
      let chunkBytes = Math.min(READ_CHUNK_BYTES, segment.size - from.offset);
      for (;;) {
        const buffer = Buffer.allocUnsafe(chunkBytes);
        const length = readSync(fd, buffer, 0, chunkBytes, from.offset);
        let start = 0;
        let count = 0;
        while (count < max) {
          const newline = buffer.indexOf(10, start);
          if (newline < 0 || newline >= length) break;
          into.push(this.decode(buffer.toString('utf8', start, newline), segment.no, from.offset + start));
          start = newline + 1;
          count++;
        }
        if (count > 0 || chunkBytes >= segment.size - from.offset)
          return { segment: segment.no, offset: from.offset + start };
        chunkBytes = Math.min(chunkBytes * 2, segment.size - from.offset); // a line longer than the chunk
      }
    } finally {
      closeSync(fd);
    }
  }

  private decode(line: string, segment: number, offset: number): SpoolRecord {
    try {
      return decodeSpoolRecord(line);
    } catch (cause) {
      throw new AppError('SPOOL_CORRUPT', `spool segment ${segment} offset ${offset} holds an unreadable record`, {
        cause,
      });
    }
  }

  private rotate() {
    const last = this.lastSegment();
    if (this.options.fsync !== 'none') fdatasyncSync(this.writeFd);
    // Everything written so far was in the old segment, which is now on disk.
    if (this.options.fsync === 'always') this.settleDurable(this.writtenCount);
    this.closeFd(this.writeFd);
    this.dirty = false;
    const next = { no: last.no + 1, size: 0, base: last.base + last.size };
    this.writeFd = openSync(this.segmentPath(next.no), 'a+');
    this.segments.push(next);
    return next;
  }

  private cutTornTail(segment: { no: number; size: number }) {
    if (segment.size === 0) return;
    const content = readFileSync(this.segmentPath(segment.no));
    const end = content.lastIndexOf(10) + 1;
    if (end < content.length) {
      ftruncateSync(this.writeFd, end);
      segment.size = end;
    }
  }

  private countRecordsFromCheckpoint(): number {
    let count = 0;
    for (const s of this.segments) {
      const content = readFileSync(this.segmentPath(s.no));
      let i = s.no === this.checkpoint.segment ? this.checkpoint.offset : 0;
      while ((i = content.indexOf(10, i) + 1) > 0) count++;
    }
    return count;
  }

  private readCheckpoint(): SpoolPosition {
    const file = join(this.options.dir, CHECKPOINT_FILE);
    if (!existsSync(file)) return { segment: 1, offset: 0 };
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<SpoolPosition>;
    if (!Number.isInteger(value.segment) || !Number.isInteger(value.offset)) {
      throw new AppError('SPOOL_CORRUPT', `spool checkpoint ${file} is unreadable`);
    }
    return { segment: value.segment as number, offset: value.offset as number };
  }

  /** fsync appended data (policy 'interval'), then persist the checkpoint; blocking (close). */
  private sync() {
    if (this.dirty && this.options.fsync === 'interval') {
      this.dirty = false;
      fdatasyncSync(this.writeFd);
    }
    if (this.checkpointDirty) this.persistCheckpoint();
  }

  /**
   * Timer work. With policy 'interval' the data's fdatasync runs off the main thread (it blocked the
   * event loop for a disk flush every interval: ~5 % of the service's time under load, issue 11 §2), and
   * the checkpoint is persisted when it returns, at most at the position committed when it started: a
   * checkpoint on disk never passes data that is not (records appended meanwhile may be stored meanwhile).
   * One runs at a time; a failed one leaves the data dirty for the next interval.
   */
  private syncInBackground() {
    if (!this.dirty || this.options.fsync !== 'interval') {
      if (this.checkpointDirty) this.persistCheckpoint();
      return;
    }
    if (this.syncingFd >= 0) return;
    this.dirty = false;
    const fd = this.writeFd;
    const position = this.checkpoint;
    this.syncingFd = fd;
    fdatasync(fd, (error) => {
      this.syncingFd = -1;
      if (this.retiredFds.delete(fd)) closeSync(fd);
      // After close() (which synced and persisted everything itself) the directory may be gone.
      if (this.closed) return;
      if (error) this.dirty = true;
      else if (this.checkpointDirty) this.persistCheckpoint(position);
    });
  }

  /** Writes the checkpoint atomically (write, rename), then deletes the segments it has passed. */
  private persistCheckpoint(position: SpoolPosition = this.checkpoint) {
    const tmp = join(this.options.dir, `${CHECKPOINT_FILE}.tmp`);
    try {
      writeFileSync(tmp, JSON.stringify(position));
      if (this.options.fsync !== 'none') syncFile(tmp);
    } catch (error) {
      // A full disk: the checkpoint stays dirty and the timer writes it once there is room. One that lags only
      // makes a restart replay more (see the constructor).
      if ((error as { code?: unknown }).code === 'ENOSPC') return;
      throw error;
    }
    renameSync(tmp, join(this.options.dir, CHECKPOINT_FILE));
    // A checkpoint that moved on meanwhile is persisted at the next interval.
    this.checkpointDirty = position !== this.checkpoint;
    for (const s of this.segments.filter((s) => s.no < position.segment)) unlinkSync(this.segmentPath(s.no));
    this.segments = this.segments.filter((s) => s.no >= position.segment);
  }

  /**
   * One fdatasync for every append so far; the appends that arrive meanwhile form the next group. It starts
   * on the next turn of the event loop, so that the messages read from every connection in this turn join it.
   */
  private startGroupCommit() {
    if (this.groupPending || this.syncingFd >= 0 || this.closed) return;
    this.groupPending = true;
    setImmediate(() => {
      this.groupPending = false;
      // close() has synced and settled everything already.
      if (!this.closed) this.syncGroup();
    });
  }

  private syncGroup() {
    // The group's appends are written first (this turn's staged ones among them); a failed write rejected them.
    this.flush();
    const upTo = this.writtenCount;
    if (upTo <= this.durableCount) return;
    const fd = this.writeFd;
    this.syncingFd = fd;
    fdatasync(fd, (error) => {
      this.syncingFd = -1;
      if (this.retiredFds.delete(fd)) closeSync(fd);
      if (error) {
        const failure = new AppError('SPOOL_IO', 'cannot fdatasync the spool segment', {
          cause: error,
          retryable: true,
        });
        this.rejectDurable(upTo, failure);
      } else this.settleDurable(upTo);
      if (this.durableWaiters.length > 0) this.startGroupCommit();
    });
  }

  /** Writes the staged appends with one write at the end of the turn they were made in. */
  private scheduleFlush() {
    if (this.flushPending) return;
    this.flushPending = true;
    setImmediate(() => {
      this.flushPending = false;
      this.flush();
    });
  }

  /**
   * Writes the staged appends in one write (one per segment where they cross a segment's end). Never throws: a
   * failed write is cut back (a full disk can take part of it, and the retry must not leave a torn line
   * behind), its records stay staged for the next attempt, and the `durable()` calls waiting for them reject
   * with SPOOL_IO (ingest/receive-message.ts waits and asks again when the disk is full).
   */
  private flush() {
    if (this.staged.length === 0 || this.closed) return;
    if (this.broken) return this.rejectDurable(this.appendedCount, this.broken);
    let from = 0;
    let failure: unknown;
    while (from < this.staged.length && failure === undefined) {
      const last = this.lastSegment();
      // The appends that fit the segment; one larger than a segment gets a segment of its own.
      let to = from;
      let runBytes = 0;
      for (; to < this.staged.length; to++) {
        const size = this.stagedSizes[to] ?? 0;
        if ((to > from || last.size > 0) && last.size + runBytes + size > this.options.segmentBytes) break;
        runBytes += size;
      }
      if (to === from) failure = this.rotateForFlush(last.no);
      else {
        failure = this.writeRun(last, this.staged.slice(from, to).join(''));
        if (failure === undefined) {
          last.size += runBytes;
          this.writtenCount += to - from;
          from = to;
        }
      }
    }
    this.staged = from === this.staged.length ? [] : this.staged.slice(from);
    this.stagedSizes = from === this.stagedSizes.length ? [] : this.stagedSizes.slice(from);
    this.stagedBytes = this.stagedSizes.reduce((sum, size) => sum + size, 0);
    if (from > 0) {
      if (this.options.fsync === 'always') {
        // The group commit settles these; one already waiting on its fdatasync starts the next group when done.
        if (this.durableWaiters.length > 0) this.startGroupCommit();
      } else {
        this.dirty = true;
        this.settleDurable(this.writtenCount);
      }
      this.wake('data');
    }
    if (failure !== undefined) this.rejectDurable(this.appendedCount, failure);
  }

  private rotateForFlush(segmentNo: number): AppError | undefined {
    try {
      this.rotate();
      return undefined;
    } catch (cause) {
      return new AppError('SPOOL_IO', `cannot rotate spool segment ${segmentNo}`, { cause, retryable: true });
    }
  }

  /** One write of whole lines at the segment's end; on failure, the segment is cut back to where it was. */
  private writeRun(segment: { no: number; size: number }, text: string): AppError | undefined {
    const bytes = Buffer.from(text, 'utf8');
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(this.writeFd, bytes, written, bytes.length - written);
      return undefined;
    } catch (cause) {
      try {
        ftruncateSync(this.writeFd, segment.size);
      } catch (error) {
        // A torn line that cannot be cut stays at the end: nothing more may be written after it.
        this.broken = new AppError('SPOOL_IO', `cannot cut spool segment ${segment.no} back after a failed write`, {
          cause: error,
        });
        return this.broken;
      }
      return new AppError('SPOOL_IO', `cannot append to spool segment ${segment.no}`, { cause, retryable: true });
    }
  }

  private settleDurable(upTo: number) {
    if (upTo > this.durableCount) this.durableCount = upTo;
    for (const w of this.takeWaiters(this.durableCount)) w.resolve();
  }

  private rejectDurable(upTo: number, error: unknown) {
    for (const w of this.takeWaiters(upTo)) w.reject(error);
  }

  /**
   * The waiters covered by `upTo`, removed from the list. They were pushed with the append count of their
   * call, which only grows, so they are a prefix: no scan (and no copy) of the rest at every write.
   */
  private takeWaiters(upTo: number) {
    let n = 0;
    while (n < this.durableWaiters.length && (this.durableWaiters[n]?.upTo ?? Infinity) <= upTo) n++;
    return n === 0 ? [] : this.durableWaiters.splice(0, n);
  }

  /** Closes a segment fd, or leaves that to the fdatasync running on it (the fd must not be reused meanwhile). */
  private closeFd(fd: number) {
    if (fd === this.syncingFd) this.retiredFds.add(fd);
    else closeSync(fd);
  }

  private wake(which: 'space' | 'data') {
    const waiters = which === 'space' ? this.spaceWaiters : this.dataWaiters;
    if (which === 'space') this.spaceWaiters = [];
    else this.dataWaiters = [];
    for (const wake of waiters) wake();
  }

  private lastSegment() {
    const last = this.segments[this.segments.length - 1];
    if (!last) throw new Error('spool has no segment');
    return last;
  }

  private segmentPath(no: number): string {
    return join(this.options.dir, `segment-${String(no).padStart(12, '0')}.log`);
  }
}

function fstatSize(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

function syncFile(path: string) {
  const fd = openSync(path, 'r+');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
