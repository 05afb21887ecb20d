/** Stable machine-readable codes carried by every truce error. */
export type TruceErrorCode =
  | 'INVALID_LOG'
  | 'REJECTED_EVENT'
  | 'CONCURRENCY_CONFLICT'
  | 'STORE_IO'
  | 'USAGE';

/** Base class of every domain error truce throws; `code` is stable across versions. */
export class TruceError extends Error {
  readonly code: TruceErrorCode;
  constructor(code: TruceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TruceError';
    this.code = code;
  }
}

/** Where in a log a problem sits: 1-based line, and the seq when it could be read. */
export interface LogPosition {
  line: number;
  seq?: number;
  type?: string;
}

/** A line of the log breaks the format or its event's schema. */
export class ValidationError extends TruceError {
  readonly position: LogPosition;
  /** Dotted field path such as `data.parties[0].role`, empty when the whole line is at fault. */
  readonly path: string;
  readonly torn: boolean;
  constructor(
    position: LogPosition,
    path: string,
    problem: string,
    options?: { cause?: unknown; torn?: boolean; file?: string },
  ) {
    const where = formatPosition(position, options?.file);
    super('INVALID_LOG', `${where}: ${path ? `${path}: ` : ''}${problem}`, options);
    this.name = 'ValidationError';
    this.position = position;
    this.path = path;
    this.torn = options?.torn ?? false;
  }
}

/** The statechart refused an event in the state the log had reached. */
export class RejectedEventError extends TruceError {
  readonly position: LogPosition;
  readonly state: string;
  readonly reason: string;
  constructor(position: LogPosition, state: string, reason: string, options?: { file?: string }) {
    super(
      'REJECTED_EVENT',
      `${formatPosition(position, options?.file)}: rejected in state ${state}: ${reason}`,
    );
    this.name = 'RejectedEventError';
    this.position = position;
    this.state = state;
    this.reason = reason;
  }
}

/** An append expected a different head than the log has. */
export class ConcurrencyError extends TruceError {
  readonly expected: number;
  readonly actual: number;
  constructor(expected: number, actual: number, file?: string) {
    super(
      'CONCURRENCY_CONFLICT',
      `${file ? `${file}: ` : ''}expected the log to end at seq ${expected}, but it ends at seq ${actual}`,
    );
    this.name = 'ConcurrencyError';
    this.expected = expected;
    this.actual = actual;
  }
}

/** Reading or writing the log's storage failed (missing file, permission, full disk). */
export class StoreError extends TruceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_IO', message, options);
    this.name = 'StoreError';
  }
}

/** `line 5 (seq 5, type proposal.sent)`, prefixed by the file when known. */
export function formatPosition(position: LogPosition, file?: string): string {
  const details: string[] = [];
  if (position.seq !== undefined) details.push(`seq ${position.seq}`);
  if (position.type !== undefined) details.push(`type ${position.type}`);
  const line = `line ${position.line}${details.length ? ` (${details.join(', ')})` : ''}`;
  return file ? `${file}: ${line}` : line;
}
