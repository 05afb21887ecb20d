import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian and Ubuntu put PostgreSQL 15's server programs. */
export const PG_BIN = process.env.TRUCE_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A PostgreSQL the tests can use, and how to let go of it. */
export interface PgForTests {
  /** A connection URL with no password (trust authentication). */
  url: string;
  /** Stops and removes a cluster the tests started; nothing for `TRUCE_TEST_PG_URL`. */
  stop: () => void;
  /** The port, for tests that stop and start the server. */
  port?: number;
  /** Restarts the server the tests started (to cut live connections); undefined otherwise. */
  restart?: () => void;
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. */
export function pgUnavailable(): string | undefined {
  if (process.env.TRUCE_TEST_PG_URL) return undefined;
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    return `PostgreSQL is not installed (no ${join(PG_BIN, 'initdb')}); set TRUCE_TEST_PG_URL or install postgresql-15`;
  }
  if (process.getuid?.() === 0 && spawnSync('id', ['postgres']).status !== 0) {
    return 'PostgreSQL refuses to run as root and there is no postgres user to run it as';
  }
  return undefined;
}

/**
 * Skips a PostgreSQL suite with a visible reason where PostgreSQL is missing, unless
 * `REQUIRE_PG=1` (CI), where a missing server is a failure instead.
 */
export function pgSkipReason(): string | undefined {
  const reason = pgUnavailable();
  if (reason === undefined) return undefined;
  if (process.env.REQUIRE_PG === '1') {
    throw new Error(`REQUIRE_PG=1 but the PostgreSQL tests cannot run: ${reason}`);
  }
  console.warn(`skipping the PostgreSQL store tests: ${reason}`);
  return reason;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Options of {@link startPg}. */
export interface StartPgOptions {
  /** Keep the server's fsync on (the benchmark); tests turn it off for speed. */
  fsync?: boolean;
}

/**
 * `TRUCE_TEST_PG_URL` when set; otherwise a throwaway PostgreSQL 15 cluster: `initdb` into a
 * temporary folder owned by the `postgres` user (the server refuses to run as root), trust
 * authentication, a private socket folder and a free port on 127.0.0.1. `stop()` stops it and
 * removes the folder.
 */
export async function startPg(options: StartPgOptions = {}): Promise<PgForTests> {
  const given = process.env.TRUCE_TEST_PG_URL;
  if (given) return { url: given, stop: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'truce-test-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chmodSync(dir, 0o755);
    chownSync(dir, uid, gid);
  }
  const as = (command: string, args: string[]) => {
    const [file, rest] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args]]
      : [join(PG_BIN, command), args];
    const result = spawnSync(file, rest as string[], { encoding: 'utf8', timeout: 120_000 });
    if (result.status !== 0) {
      throw new Error(`${command} failed: ${result.stderr || result.stdout || result.error}`);
    }
  };
  const data = join(dir, 'data');
  as('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  let port = 0;
  const start = () => {
    // A port picked free may be taken before the server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      try {
        as('pg_ctl', [
          '-D',
          data,
          '-l',
          join(dir, 'server.log'),
          '-w',
          '-t',
          '120',
          '-o',
          `-k ${dir} -p ${port} -h 127.0.0.1 -c fsync=${options.fsync ? 'on' : 'off'} -c max_connections=60`,
          'start',
        ]);
        return;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  };
  port = await freePort();
  start();
  const stopServer = () => {
    try {
      as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already stopped.
    }
  };
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () => {
      stopServer();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: () => {
      stopServer();
      start();
    },
  };
}
