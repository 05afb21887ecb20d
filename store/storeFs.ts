import * as fsp from 'node:fs/promises';

/**
 * The file-system calls the file store makes, so a test can inject a failing disk (`ENOSPC`,
 * `EIO`) where root ignores permissions. Node's `fs/promises` by default.
 */
export interface StoreFs {
  open: typeof fsp.open;
  stat: typeof fsp.stat;
  readFile: typeof fsp.readFile;
  writeFile: typeof fsp.writeFile;
  rename: typeof fsp.rename;
  unlink: typeof fsp.unlink;
  link: typeof fsp.link;
  utimes: typeof fsp.utimes;
  lstat: typeof fsp.lstat;
  mkdir: typeof fsp.mkdir;
  readdir: (path: string) => Promise<string[]>;
  realpath: (path: string) => Promise<string>;
}

/** Node's own file system. */
export const nodeFs: StoreFs = {
  open: fsp.open,
  stat: fsp.stat,
  readFile: fsp.readFile,
  writeFile: fsp.writeFile,
  rename: fsp.rename,
  unlink: fsp.unlink,
  link: fsp.link,
  utimes: fsp.utimes,
  lstat: fsp.lstat,
  mkdir: fsp.mkdir,
  readdir: (path) => fsp.readdir(path),
  realpath: (path) => fsp.realpath(path),
};

/** The `code` of a Node.js system error, if it has one. */
export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
