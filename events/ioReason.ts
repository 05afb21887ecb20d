/**
 * The one wording of a system error (`ENOENT`, `EACCES`, `ENOSPC`…) in truce's messages: a
 * plain reason a user can act on, to follow `cannot read LOG: `. Every place that reports a
 * failed file operation words it through this function, so one cause reads the same everywhere.
 *
 * @example
 * throw new StoreError(`cannot read ${name}: ${ioReason(error)}`, { cause: error });
 * // cannot read deal.jsonl: no such file
 */
export function ioReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory, not a log file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is exceeded';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'EIO':
      return 'an I/O error';
    case 'EAGAIN':
      return 'it would block (a pipe or device with nothing to read)';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
