import { StoreError } from '../../events/index.js';
import { redactSecrets, type StoreUrl } from './storeUrl.js';

/** SQLSTATE codes of a missing truce schema: undefined table, undefined schema. */
const MISSING_SCHEMA = new Set(['42P01', '3F000']);

/** What was being done when the server or the connection failed, for the sentence. */
export type PgAction =
  | 'connect'
  | 'read'
  | 'append'
  | 'commit'
  | 'migrate'
  | 'listen'
  | 'checkpoint';

/** The database holds no truce tables yet. */
export function isMissingSchema(error: unknown): boolean {
  return MISSING_SCHEMA.has(sqlStateOf(error) ?? '');
}

/** The SQLSTATE of a server error, if it is one. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A network error code such as ECONNREFUSED, also inside Node's AggregateError. */
function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  const errors = (error as { errors?: unknown } | null)?.errors;
  if (Array.isArray(errors)) for (const inner of errors) return errnoOf(inner);
  return undefined;
}

/** The driver's or server's message, cleaned of the URL's secrets and cut to one line. */
export function driverReason(error: unknown, url: StoreUrl): string {
  const raw =
    error instanceof Error
      ? error.message || (error as { errors?: Error[] }).errors?.[0]?.message || error.name
      : String(error);
  return redactSecrets(raw.split('\n', 1)[0] ?? '', url);
}

/** Whether the connection itself failed (rather than a statement): nothing more can be sent. */
export function isConnectionLost(error: unknown): boolean {
  const state = sqlStateOf(error);
  if (state?.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03') {
    return true;
  }
  if (errnoOf(error) !== undefined) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection.*closed|Client has encountered a connection error|not queryable/i.test(
    message,
  );
}

/**
 * One sentence for a failure talking to PostgreSQL (exit 4), never with the password: the
 * server is unreachable or refuses, the login fails, the database or the schema is missing, or
 * the connection dropped mid-append (then whether anything may have been written).
 *
 * @example
 * throw pgStoreError(error, url, 'connect');
 */
export function pgStoreError(error: unknown, url: StoreUrl, action: PgAction): StoreError {
  if (error instanceof StoreError) return error;
  const at = url.redacted;
  const state = sqlStateOf(error);
  const reason = driverReason(error, url);
  const cause = redactedCause(error, url);
  const say = (text: string) => new StoreError(text, { cause });
  if (isMissingSchema(error)) {
    return say(
      `the database at ${at} has no truce tables (${reason}); run truce db migrate --store URL first`,
    );
  }
  switch (errnoOf(error)) {
    case 'ECONNREFUSED':
      return say(
        `cannot connect to PostgreSQL at ${at}: connection refused (is the server running and listening there?)`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return say(`cannot connect to PostgreSQL at ${at}: the host name does not resolve`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return say(`cannot connect to PostgreSQL at ${at}: the host does not answer (${reason})`);
    case 'ENOENT':
      return say(
        `cannot connect to PostgreSQL at ${at}: no server socket there (is the server running?)`,
      );
    default:
      break;
  }
  if (state === '28P01' || state === '28000') {
    return say(`PostgreSQL at ${at} refused the login: ${reason}`);
  }
  if (state === '3D000') return say(`PostgreSQL at ${at}: ${reason}; create it first`);
  if (state === '55P03') {
    return say(
      `another append held the stream for too long (${reason}); try again, nothing was written`,
    );
  }
  if (/timeout expired|timed out/i.test(reason) && action === 'connect') {
    return say(`cannot connect to PostgreSQL at ${at}: no answer in time`);
  }
  if (/password must be a string|SASL/i.test(reason)) {
    return say(`PostgreSQL at ${at} asks for a password and the URL gives none (${reason})`);
  }
  if (isConnectionLost(error)) {
    switch (action) {
      case 'append':
        return say(
          `lost the connection to PostgreSQL at ${at} during the append (${reason}); the transaction was rolled back and nothing was written`,
        );
      case 'commit':
        return say(
          `lost the connection to PostgreSQL at ${at} while committing the append (${reason}); it may or may not have been written: run the same append again (its event ids make that safe)`,
        );
      default:
        return say(`lost the connection to PostgreSQL at ${at} (${reason})`);
    }
  }
  const verb = {
    connect: 'cannot connect to',
    read: 'cannot read from',
    append: 'cannot append to',
    commit: 'cannot commit to',
    migrate: 'cannot migrate',
    listen: 'cannot listen to',
    checkpoint: 'cannot store a checkpoint in',
  }[action];
  return say(
    `${verb} PostgreSQL at ${at}: ${reason}${action === 'append' ? '; nothing was written' : ''}`,
  );
}

/** The error as a cause for `--debug`, its message and stack cleaned of the secrets. */
function redactedCause(error: unknown, url: StoreUrl): Error {
  const copy = new Error(driverReason(error, url));
  copy.name = error instanceof Error ? error.name : 'Error';
  const stack = error instanceof Error ? error.stack : undefined;
  if (stack !== undefined) copy.stack = redactSecrets(stack, url);
  const state = sqlStateOf(error) ?? errnoOf(error);
  if (state !== undefined) Object.assign(copy, { code: state });
  return copy;
}
