import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { ReplaySnapshot } from '../replay/index.js';
import {
  type CacheAccess,
  type CacheMark,
  cachePathOf,
  cacheUsable,
  fingerprintOf,
  type LoadedState,
  loadCheckpointState,
  readCacheIndex,
  verifyCacheIndex,
} from './checkpointCache.js';
import type { StoreFs } from './storeFs.js';

const { O_RDONLY, O_NONBLOCK } = constants;

/** The last state a log's checkpoint cache proves for it, as {@link latestCachedState} gives it. */
export interface CachedState {
  /** Where it stands: its seq, the bytes before it, and its last line (start and SHA-256). */
  mark: CacheMark;
  /** The replay state there, to resume a `Replayer` from. */
  replay: ReplaySnapshot;
}

/**
 * The state at the last checkpoint of the log's cache (`LOG.truce-cache/`) that still holds
 * for the log open as `fd` (of `size` bytes, at its real path `real`): what a replay through
 * the cache would resume from. The cache is proven as a query proves it (its index checked
 * against the log's bytes, by the hash chain when the log changed since), on a file opened
 * again by its path that must be the very file of `fd` (device and inode) at the very size;
 * the caller reads the checkpoint's last line back through `fd`. Undefined, never an error,
 * when anything does not hold or cannot be read: the caller replays the log.
 *
 * @example
 * const found = await latestCachedState('/logs/deal.jsonl', fd, size, { fs: nodeFs });
 */
export async function latestCachedState(
  real: string,
  fd: number,
  size: number,
  options: { fs: StoreFs; note?: (message: string) => void },
): Promise<CachedState | undefined> {
  const { fs, note = () => {} } = options;
  const access: CacheAccess = { dir: cachePathOf(real), fs, note };
  try {
    if (!(await cacheUsable(access))) return undefined;
    const index = await readCacheIndex(access);
    if (index === undefined || index.checkpoints.length === 0) return undefined;
    let handle: FileHandle;
    try {
      handle = await fs.open(real, O_RDONLY | O_NONBLOCK);
    } catch {
      return undefined;
    }
    try {
      const stat = await handle.stat({ bigint: true });
      const mine = fs.fstatBigIntSync(fd);
      if (stat.dev !== mine.dev || stat.ino !== mine.ino || Number(stat.size) !== size) {
        note('the log at its path is not the one open to append to; its cache is not read');
        return undefined;
      }
      const proving = verifyCacheIndex(handle, index, size, fingerprintOf(stat), {
        thread: 'auto',
        note,
      });
      // The last checkpoint's state is read while the prefix is proven (on a thread of its own
      // when the log changed and is long); the proof decides below whether it is used.
      const last = index.checkpoints.length - 1;
      const early = loadCheckpointState(access, index.checkpoints, last, index.tails).catch(
        (): LoadedState => ({ ok: false, broken: last }),
      );
      let verified: Awaited<typeof proving>;
      try {
        verified = await proving;
      } finally {
        await early;
      }
      const { checkpoints } = verified;
      if (checkpoints.length === 0) {
        note('the log changed before the first checkpoint of its cache; the cache is not used');
      }
      for (let i = checkpoints.length - 1; i >= 0; i--) {
        const mark = checkpoints[i] as CacheMark;
        const loaded =
          i === last ? await early : await loadCheckpointState(access, checkpoints, i, index.tails);
        if (!loaded.ok) {
          // Files from `broken` on do not hold: an earlier checkpoint may.
          i = Math.min(i, loaded.broken);
          continue;
        }
        return { mark, replay: loaded.replay };
      }
      return undefined;
    } finally {
      await handle.close().catch(() => undefined);
    }
  } catch (error) {
    note(`the checkpoint cache could not be read (${(error as Error).message}); replaying the log`);
    return undefined;
  }
}
