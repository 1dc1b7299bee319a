import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * A small filesystem of its own for a worker's spool, so that "disk full" is the
 * kernel's ENOSPC and not a simulation: a tmpfs mounted on `dir` (needs root or
 * CAP_SYS_ADMIN). Where mounting is refused, `mounted` is false and the spool is a
 * plain directory: the fault is then not injected, and the run's table says so.
 */
export interface SpoolDisk {
  readonly dir: string;
  readonly mounted: boolean;
  /** Writes a filler file until the filesystem answers ENOSPC; returns the bytes written. */
  fill(): number;
  /** Removes the filler: the spool can write again. */
  free(): void;
  dispose(): Promise<void>;
}

export async function createSpoolDisk(dir: string, sizeBytes: number): Promise<SpoolDisk> {
  mkdirSync(dir, { recursive: true });
  let mounted = false;
  try {
    await execFileAsync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
    mounted = true;
  } catch {
    mounted = false;
  }
  const filler = join(dir, 'chaos-filler.bin');
  return {
    dir,
    mounted,
    fill() {
      const fd = openSync(filler, 'w');
      let written = 0;
      try {
        // Large chunks first, then small ones, so that not even a short spool record fits afterwards.
        for (const size of [1 << 20, 1 << 12, 64, 1]) {
          const chunk = Buffer.alloc(size);
          for (;;) {
            try {
              written += writeSync(fd, chunk);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw err;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return written;
    },
    free() {
      rmSync(filler, { force: true });
    },
    async dispose() {
      rmSync(filler, { force: true });
      if (mounted) await execFileAsync('umount', ['-l', dir]).catch(() => undefined);
    },
  };
}
