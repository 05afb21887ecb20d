import { basename, dirname, join } from 'node:path';
import { StoreError } from '../events/index.js';
import { errnoOf, type StoreFs } from './storeFs.js';

/** A file's identity: its device and inode, as decimal strings (an inode may pass 2^53). */
export interface FileIdentity {
  dev: string;
  ino: string;
}

/** The identity of a stat result. */
export function identityOf(stat: { dev: number | bigint; ino: number | bigint }): FileIdentity {
  return { dev: String(stat.dev), ino: String(stat.ino) };
}

/**
 * The log's real path: every symbolic link on the way resolved, so that every name of one file
 * (a link to it, `./` or `../` in the path) leads to the same lock and sidecars beside it. A log
 * not yet created resolves through its folder. Throws the file system's error when the folder
 * is missing, and a `StoreError` for a link that leads nowhere.
 *
 * @example
 * await realLogPath('link.jsonl', nodeFs); // '/home/me/deals/real.jsonl'
 */
export async function realLogPath(path: string, fs: StoreFs): Promise<string> {
  return realLogPathSync(path, fs);
}

/**
 * {@link realLogPath} at once (a few system calls, cheaper than a round trip through the
 * thread pool): the append path's.
 *
 * @example
 * realLogPathSync('link.jsonl', nodeFs); // '/home/me/deals/real.jsonl'
 */
export function realLogPathSync(path: string, fs: StoreFs): string {
  try {
    return fs.realpathSync(path);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
  }
  let link: ReturnType<StoreFs['lstatSync']> | undefined;
  try {
    link = fs.lstatSync(path);
  } catch {
    link = undefined;
  }
  if (link?.isSymbolicLink()) {
    throw new StoreError(
      `cannot open ${path}: it is a symbolic link to a file that does not exist`,
    );
  }
  return join(fs.realpathSync(dirname(path)), basename(path));
}
