/** Something a command opened that must be let go once it is done (a database connection). */
export interface Closable {
  close(): Promise<void>;
}

const opened = new Set<Closable>();

/**
 * Keeps `log` until {@link closeOpenLogs}: `truce` closes what a command opened once it is
 * done, whatever the command.
 */
export function trackOpen(log: Closable): void {
  opened.add(log);
}

/** Closes everything {@link trackOpen} kept (their database connections), never throwing. */
export async function closeOpenLogs(): Promise<void> {
  const all = [...opened];
  opened.clear();
  await Promise.all(all.map((open) => open.close().catch(() => undefined)));
}
