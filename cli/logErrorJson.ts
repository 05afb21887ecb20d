import { RejectedEventError, ValidationError } from '../events/index.js';

/** Where a log went wrong, as `truce validate --json` and `truce replay --json` print it. */
export interface LogErrorJson {
  ok: false;
  error: {
    /** 1-based line of the log. */
    line: number;
    seq: number | null;
    type: string | null;
    /** The statechart's state when it refused the event; null for a format error. */
    state: string | null;
    /** The rule broken: a `format.*` code, or one of the machine's rule codes. */
    code: string;
    /** The broken rule in one sentence, without the file and line. */
    message: string;
    /** The field at fault, for a format error (empty when the whole line is). */
    path?: string;
  };
}

/**
 * The JSON object for an error that makes a log bad (a format error or a rejected event), or
 * null for any other error (I/O, usage), which keeps to stderr only.
 *
 * @example
 * logErrorJson(error); // { ok: false, error: { line: 4, seq: 4, code: 'party.notPrincipal', … } }
 */
export function logErrorJson(error: unknown): LogErrorJson | null {
  const rejected = error instanceof RejectedEventError;
  if (!rejected && !(error instanceof ValidationError)) return null;
  const where = {
    line: error.position.line,
    seq: error.position.seq ?? null,
    type: error.position.type ?? null,
  };
  return {
    ok: false,
    error: rejected
      ? { ...where, state: error.state, code: error.rule, message: error.reason }
      : { ...where, state: null, code: error.rule, message: error.reason, path: error.path },
  };
}

/**
 * Runs `action`; when it fails on a bad log, prints the {@link LogErrorJson} on stdout before
 * the error goes on (to stderr and the exit code, as without `--json`).
 */
export async function withLogErrorJson<T>(json: boolean, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const report = json ? logErrorJson(error) : null;
    if (report) process.stdout.write(`${JSON.stringify(report)}\n`);
    throw error;
  }
}
